"""Numbers a server sent, as they may be: a count is a number only when JSON made it one."""

from __future__ import annotations

from typing import Any

from sacli.readers.jsontext import one_line


def number(value: Any) -> int | float | None:
    """``value`` when it is a JSON number (a bool is not one; the JSON reader lets no float be infinite), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def whole(value: Any) -> str:
    """A number with its thousands separated ("3,361"), anything else as text ("" for None)."""
    found = number(value)
    if found is not None:
        return f"{found:,}"
    return "" if value is None else value if isinstance(value, str) else one_line(value)


def percent(value: Any) -> str:
    """A percentage to two decimals at most ("0.5%", "33.33%"); anything else as ``whole`` shows it."""
    found = number(value)
    if isinstance(found, float):
        return f"{round(found, 2):g}%"
    return f"{found}%" if found is not None else whole(value)
