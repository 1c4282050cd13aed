"""A status line on a terminal (a spinner's line, a progress bar's label) fitted to its width.

A status line is drawn over itself: were it longer than the terminal is wide, it would wrap,
and the next drawing, which goes back only to the start of the line it is on, would leave the
wrapped part standing, one more line a frame. So it is cut to the width less one column (the
last column of a line leaves the cursor waiting to wrap on some terminals), counting the
cells characters take (two for a wide one, none for a combining mark), and ends in "…".
What a status line quotes (a model's name, a file's name) is shown with its control characters
escaped, as everything sacli writes on a terminal (sacli.term.stdout.escape_controls).
"""

from __future__ import annotations

import unicodedata

from sacli.term.stdout import escape_controls
from sacli.term.tty import columns

ELLIPSIS = "…"


def cells(text: str) -> int:
    return sum(_cells(char) for char in text)


def _cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(text: str, width: int, *, keep_end: bool = False) -> str:
    """``text`` cut to ``width`` cells with "…" where it was cut: at its end, or with
    ``keep_end`` at its start (a file's path, whose name is at the end)."""
    if cells(text) <= width:
        return text
    room = max(width - 1, 0)
    kept: list[str] = []
    used = 0
    for char in reversed(text) if keep_end else text:
        used += _cells(char)
        if used > room:
            break
        kept.append(char)
    if keep_end:
        return ELLIPSIS + "".join(reversed(kept))
    return "".join(kept) + ELLIPSIS


def status_line(text: str, fd: int = 2) -> str:
    """``text`` with its control characters shown escaped, fitted to a line of the terminal on
    ``fd``, its last column left free."""
    return fit(escape_controls(text), columns(fd) - 1)
