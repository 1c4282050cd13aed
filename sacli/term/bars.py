"""Bars drawn to scale in eighths of a cell, for the charts of tables (``sacli usage``, ``sacli memory``).

A chart's bars shrink with the terminal, down to ``MIN_BAR`` cells, before the text beside them
is cut: ``bar_cells`` says how many cells they get once the other columns have theirs.
"""

from __future__ import annotations

import math

BAR_CELLS = 20
MIN_BAR = 5
EIGHTHS = " ▏▎▍▌▋▊▉"
TRACK = "░"  # the part of a gauge not filled
EDGES = 3  # each column's border and padding in a table; the table's left border is one more


def bar(value: float, most: float, cells: int = BAR_CELLS) -> str:
    """``value`` as a bar of up to ``cells`` cells, in eighths of a cell, ``most`` filling them all."""
    if most <= 0 or value <= 0:
        return ""
    try:
        share = min(value / most, 1.0)
    except OverflowError:  # a float against a whole number too large for one: next to nothing
        share = 0.0
    eighths = max(1, math.floor(share * cells * 8 + 0.5))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def gauge(value: float, most: float, cells: int) -> str:
    """A bar of ``cells`` cells on its track: how full ``value`` is of ``most``."""
    drawn = bar(value, most, cells)
    return drawn + TRACK * (cells - len(drawn))


def bar_cells(width: int, others: list[int], *, most: int = BAR_CELLS) -> int:
    """The cells a bar column gets in a table ``width`` cells wide whose other columns are ``others`` wide."""
    room = width - 1 - sum(other + EDGES for other in others) - EDGES
    return max(MIN_BAR, min(most, room))
