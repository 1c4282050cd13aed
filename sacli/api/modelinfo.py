"""What one model of OpenRouter's list says, read defensively.

A model object is the server's: any field may be missing, null, of another type, or huge. Each
reader here gives what can be shown, bounded, or nothing; none of them raises. The fields are
those of OpenRouter's model object: ``context_length``, ``pricing``, ``supported_parameters``
(strings), ``reasoning`` (an object, absent for a model that does not reason),
``knowledge_cutoff`` and ``expiration_date`` (``YYYY-MM-DD`` or null).
"""

from __future__ import annotations

import datetime
from typing import Any

from sacli.readers.isodate import iso_date

TEXT_LIMIT = 200  # characters of one text field shown
LIST_LIMIT = 100  # items of one list shown


def text_of(model: dict[str, Any], key: str) -> str:
    """A text field on one line, cut to TEXT_LIMIT characters; "" when it is not text."""
    value = model.get(key)
    return _short(value) if isinstance(value, str) else ""


def whole_number(model: dict[str, Any], key: str) -> int | None:
    value = model.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def date_of(model: dict[str, Any], key: str) -> datetime.date | None:
    return iso_date(model.get(key))


def supported_parameters(model: dict[str, Any]) -> list[str]:
    """The names in ``supported_parameters`` (text only, each once, at most LIST_LIMIT)."""
    return _names(model.get("supported_parameters"))


def reasoning_of(model: dict[str, Any]) -> str:
    """The ``reasoning`` object in words: its efforts (highest first), the default, whether it is
    mandatory or takes a token budget; "" when the model has none (it does not reason)."""
    reasoning = model.get("reasoning")
    if not isinstance(reasoning, dict):
        return ""
    parts: list[str] = []
    efforts = _names(reasoning.get("supported_efforts"))
    if efforts:
        parts.append("efforts " + ", ".join(efforts))
    default = reasoning.get("default_effort")
    if isinstance(default, str) and default:
        parts.append(f"default {_short(default)}")
    if reasoning.get("mandatory") is True:
        parts.append("mandatory")
    elif reasoning.get("default_enabled") is False:
        parts.append("off unless asked")
    if reasoning.get("supports_max_tokens") is True:
        parts.append("takes max_tokens")
    return "; ".join(parts) or "yes"


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    names: list[str] = []
    for item in value[: LIST_LIMIT * 4]:
        if isinstance(item, str) and item.strip() and _short(item) not in names:
            names.append(_short(item))
        if len(names) == LIST_LIMIT:
            break
    return names


def _short(text: str) -> str:
    line = " ".join(text[: TEXT_LIMIT * 4].split())
    return line if len(line) <= TEXT_LIMIT else line[: TEXT_LIMIT - 1] + "…"
