"""Dollars for people: ``$0.0042``, as many decimals as it takes (up to ``places``), no trailing zeros."""

from __future__ import annotations

from typing import Any


def dollars(amount: Any, places: int = 6) -> str:
    """``amount`` in dollars; empty when it is not a number."""
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return ""
    text = f"{amount:.{places}f}".rstrip("0").rstrip(".")
    if text in ("0", "-0") and amount:  # a limit of a millionth of a cent is not $0
        text = f"{amount:.12f}".rstrip("0").rstrip(".")
    return f"${text if text not in ('', '-0') else '0'}"
