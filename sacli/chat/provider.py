"""``--provider KEY=VALUE``: OpenRouter's provider routing preferences, built into the ``provider``
object of the request and checked against the keys OpenRouter documents, so that a typo is a usage
error while nothing has been sent."""

from __future__ import annotations

import math
from typing import Any

from sacli.errors import UsageError

LISTS = ("order", "only", "ignore", "quantizations")  # comma-separated; repeated, they add up
CHOICES = {"sort": ("price", "throughput", "latency"), "data_collection": ("allow", "deny")}
SWITCHES = ("allow_fallbacks", "require_parameters", "zdr")
PRICES = ("prompt", "completion", "request", "image")  # max_price.NAME, dollars per million tokens
KEYS = (*LISTS, *CHOICES, *SWITCHES, *(f"max_price.{name}" for name in PRICES))


def provider_preferences(items: list[str]) -> dict[str, Any]:
    """The ``provider`` object of ``items`` (each KEY=VALUE)."""
    found: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UsageError(f"--provider wants KEY=VALUE, got {item!r}", hint=f"keys: {', '.join(KEYS)}")
        if key in LISTS:
            names = [name.strip() for name in value.split(",") if name.strip()]
            if not names:
                raise UsageError(f"--provider {key}= wants one or more names, separated by commas")
            found[key] = [*found.get(key, []), *names]
        elif key in CHOICES:
            if value not in CHOICES[key]:
                choices = CHOICES[key]
                words = ", ".join(choices[:-1]) + " or " + choices[-1]
                raise UsageError(f"--provider {key} must be {words}, not {value!r}")
            found[key] = value
        elif key in SWITCHES:
            if value.lower() not in ("true", "false"):
                raise UsageError(f"--provider {key} must be true or false, not {value!r}")
            found[key] = value.lower() == "true"
        elif key.startswith("max_price.") and key.removeprefix("max_price.") in PRICES:
            found.setdefault("max_price", {})[key.removeprefix("max_price.")] = _price(key, value)
        else:
            raise UsageError(f"--provider has no key {key!r}", hint=f"keys: {', '.join(KEYS)}")
    return found


def _price(key: str, value: str) -> float:
    try:
        price = float(value)
    except ValueError:
        price = math.nan
    if not math.isfinite(price) or price < 0:
        raise UsageError(f"--provider {key} must be a number of dollars of at least 0, not {value!r}")
    return price
