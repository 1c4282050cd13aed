"""The one JSON reader: what sacli parses, from a server or from the user, is read within bounds.

A value nested deeper than ``MAX_DEPTH``, a number that is not finite (``NaN``, ``Infinity``,
``1e999``), a whole number too long to read, text over the size given: each is a
``JsonProblem`` (a ``ValueError``) saying what is wrong, never a ``RecursionError`` on the way
in or later, when the value is walked or written out again. Callers turn it into their error
(a usage error for the user's own text, an API error for a server's), naming where it was.
"""

from __future__ import annotations

import json
from typing import Any

from sacli.errors import UsageError

MAX_DEPTH = 64  # nesting: objects and arrays within each other


class JsonProblem(ValueError):
    """Not JSON: a syntax error, or a value out of bounds (``OutOfBounds``)."""


class OutOfBounds(JsonProblem):
    """JSON that sacli will not hold: nested too deep, a number not finite, text too large."""


def _refuse_constant(name: str) -> Any:
    raise OutOfBounds(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise OutOfBounds(f"the number {text[:40]} is too large")
    return value


DECODER = json.JSONDecoder(strict=False, parse_constant=_refuse_constant, parse_float=_finite)


def parse_json(text: str | bytes, *, limit: int | None = None) -> Any:
    """The value of ``text`` (UTF-8 when bytes); ``JsonProblem`` when it is not JSON within the bounds."""
    if limit is not None and len(text) > limit:
        raise OutOfBounds(f"it is larger than {limit >> 20} MiB" if limit >= 1 << 20 else f"it is over {limit} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonProblem(f"it is not UTF-8 text (at byte {exc.start})") from None
    try:
        value = DECODER.decode(text)
    except RecursionError:
        raise OutOfBounds(f"it is nested more than {MAX_DEPTH} deep") from None
    except JsonProblem:
        raise
    except ValueError as exc:
        raise JsonProblem(str(exc)) from None
    check_depth(value)
    return value


def user_object(
    text: str | bytes, *, not_json: str = "not valid JSON", not_object: str = "not a JSON object"
) -> dict[str, Any]:
    """A JSON object the user gave (an argument, a file, a line); a usage error saying what is wrong otherwise."""
    try:
        value = parse_json(text)
    except JsonProblem as problem:
        raise UsageError(f"{not_json}: {problem}") from None
    if not isinstance(value, dict):
        raise UsageError(not_object)
    return value


def not_json(problem: JsonProblem, plain: str = "not valid JSON") -> str:
    """How a message says what was wrong: the bound passed, or only that it is not JSON."""
    return f"JSON sacli does not take ({problem})" if isinstance(problem, OutOfBounds) else plain


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """``OutOfBounds`` when ``value`` nests objects or arrays more than ``limit`` deep (walked, not recursed)."""
    if not isinstance(value, dict | list):
        return
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise OutOfBounds(f"it is nested more than {limit} deep")
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]


def one_line(value: Any) -> str:
    """``value`` as compact JSON text on one line."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
