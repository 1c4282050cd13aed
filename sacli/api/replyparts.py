"""The parts of a chunk's delta or a completion's message besides its text, read whatever their shape:
the finish reason, the usage, the reasoning, a tool call's function, a refusal."""

from __future__ import annotations

from typing import Any

from sacli.readers.jsontext import JsonProblem, check_depth, one_line

REFUSAL_LIMIT = 4000  # characters kept of a refusal: it is shown on stderr, not kept as an answer


def finish_reason_of(value: Any) -> str:
    """A finish reason as text, whatever its shape (a server's number or object is shown, not trusted)."""
    return value[:100] if type(value) is str else one_line(value)[:100]


def usage_of(value: Any) -> dict[str, Any] | None:
    """The reply's usage: an object within the reader's bounds, or nothing (a server's other shapes are left out)."""
    if type(value) is not dict or not value:
        return None
    try:
        check_depth(value)
    except JsonProblem:
        return None
    return value


def reasoning_pieces(delta: dict[str, Any]) -> list[str]:
    """The reasoning of a delta or a message: its ``reasoning`` text, else its ``reasoning_details``' texts
    (a server may send both, with the same text)."""
    reasoning = delta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        return [reasoning]
    details = delta.get("reasoning_details")
    if not isinstance(details, list):
        return []
    pieces = [item.get("text") or item.get("summary") if isinstance(item, dict) else None for item in details]
    return [piece for piece in pieces if isinstance(piece, str) and piece]


def has_function(call: Any) -> bool:
    return (
        isinstance(call, dict)
        and isinstance(call.get("function"), dict)
        and isinstance(call["function"].get("arguments") or "", str)
    )


def refusal_of(delta: dict[str, Any]) -> str | None:
    """A delta's or a message's ``refusal``: why the model declined, when it says so."""
    refusal = delta.get("refusal")
    return refusal if isinstance(refusal, str) and refusal else None
