"""``sacli models show``: one model of the list found by its ID, and shown field by field.

The fields are read defensively (sacli.api.modelinfo): whatever the server sent, each shows as
bounded text or not at all. Prices are per million tokens, as ``sacli models`` shows them; the
expiry is the date and how far it is (``expires in 12 days``, ``expired 3 days ago``).
"""

from __future__ import annotations

import difflib
from typing import Any

from sacli.errors import UsageError

MATCHES = 3  # close IDs named when an ID is not in the list
ID_LIMIT = 300  # longer IDs, given or listed, are not compared (no real model has one)


def find_model(models: list[dict[str, Any]], model_id: str, *, refreshed: bool) -> dict[str, Any]:
    """The model of ``model_id``; a usage error naming the closest IDs when the list has none."""
    for model in models:
        if model.get("id") == model_id:
            return model
    ids = [m["id"] for m in models if isinstance(m.get("id"), str) and len(m["id"]) <= ID_LIMIT]
    close = close_ids(model_id, ids)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    hint += "'sacli models' lists them" + ("" if refreshed else "; --refresh asks the server again")
    raise UsageError(f"no model {model_id} in the server's list", hint=hint)


def close_ids(model_id: str, ids: list[str]) -> list[str]:
    """IDs holding ``model_id`` (any case), else the most alike by difflib's measure."""
    if len(model_id) > ID_LIMIT:
        return []
    needle = model_id.lower()
    holding = [i for i in ids if needle and needle in i.lower()]
    if holding:
        return sorted(holding, key=len)[:MATCHES]
    by_name: dict[str, list[str]] = {}
    for i in ids:  # "gpt4" is close to the name of "openai/gpt-4", not to the whole ID
        by_name.setdefault(i.rpartition("/")[2].lower(), []).append(i)
    close = difflib.get_close_matches(needle.rpartition("/")[2], list(by_name), n=MATCHES, cutoff=0.6)
    named = [i for name in close for i in by_name[name]]
    whole = difflib.get_close_matches(model_id, ids, n=MATCHES, cutoff=0.6)
    return list(dict.fromkeys(named + whole))[:MATCHES]


def fields(model: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(name, title, text)`` of each field shown: the name off a terminal, the title on one (where
    the expiry is one row, the date and how far it is)."""
    from sacli.api.modelinfo import date_of, reasoning_of, supported_parameters, text_of, whole_number
    from sacli.api.models import price_per_million
    from sacli.chat.expiry import expiry_phrase

    context = whole_number(model, "context_length")
    cutoff = date_of(model, "knowledge_cutoff")
    expires = date_of(model, "expiration_date")
    return [
        ("id", "ID", text_of(model, "id")),
        ("name", "Name", text_of(model, "name")),
        ("context_length", "Context", "" if context is None else str(context)),
        ("prompt_per_million", "Prompt $/M", price_per_million(model, "prompt")),
        ("completion_per_million", "Completion $/M", price_per_million(model, "completion")),
        ("supported_parameters", "Parameters", " ".join(supported_parameters(model))),
        ("reasoning", "Reasoning", reasoning_of(model)),
        ("knowledge_cutoff", "Knowledge cutoff", "" if cutoff is None else cutoff.isoformat()),
        ("expiration_date", "", "" if expires is None else expires.isoformat()),
        ("expiry", "Expires", "" if expires is None else expiry_phrase(expires)),
    ]


def show_model(model: dict[str, Any], *, json: bool) -> None:
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json, emit_records

    out = Output()
    if json:
        emit_json(out, model)
        return
    shown = fields(model)
    if out.is_terminal:
        named = {name: text for name, _, text in shown}
        if named["expiry"]:
            named["expiry"] = f"{named['expiration_date']} ({named['expiry']})"
        rows = [{"field": title, "value": named[name] or "-"} for name, title, _ in shown if title]
        emit_records(out, rows, [("field", "Field", None), ("value", "Value", None)], free="value", wrap=True)
    else:
        emit_records(out, [{"field": n, "value": t} for n, _, t in shown], [("field", "", None), ("value", "", None)])
