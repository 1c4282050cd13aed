"""The screen tests' emulator keeps in its scrollback what tmux keeps, for the same bytes.

Each case writes three lines on a fresh pane, then erases the screen in one way, then writes
``after``: in real tmux (``capture-pane -p -S -``: the history, then the pane) and in
tests/support/screen.py's TmuxScreen the lines must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pyte
import pytest

from tests.support.helpers import needs_tool
from tests.support.screen import TmuxScreen
from tests.support.tmux import in_tmux

COLUMNS, ROWS = 40, 10
THREE = "line A\nline B\nline C"
CASES = {
    "erase-all-from-the-top": THREE + "\x1b[H\x1b[2J",
    "erase-all-from-the-second-row": THREE + "\x1b[2;1H\x1b[2J",
    "erase-below-from-the-top-left": THREE + "\x1b[H\x1b[J",
    "erase-below-from-the-top-row-column-3": THREE + "\x1b[1;3H\x1b[J",
    "erase-below-from-the-second-row": THREE + "\x1b[2;1H\x1b[J",
    "erase-an-empty-screen": "\x1b[2J\x1b[H\x1b[J",
    "scrolled-off-the-top": "".join(f"row {n}\n" for n in range(14)),
}


def emulated(data: str) -> list[str]:
    screen = TmuxScreen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(data.replace("\n", "\r\n").encode())
    lines = ["".join(line[x].data for x in range(COLUMNS)).rstrip() for line in screen.history.top] + [
        line.rstrip() for line in screen.display
    ]
    return trimmed(lines)


def trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


@needs_tool("tmux")
@pytest.mark.parametrize("case", CASES)
def test_the_emulator_keeps_what_tmux_keeps(case: str, tmp_path: Path) -> None:
    data = CASES[case] + "after\n"
    written = tmp_path / "written"
    written.write_text(data)
    assert emulated(data) == in_tmux(["cat", str(written)], tmp_path, columns=COLUMNS, rows=ROWS)
