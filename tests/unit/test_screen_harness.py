"""The screen tests' emulator keeps in its scrollback what tmux keeps, for the same bytes.

Each case writes three lines on a fresh pane, then erases the screen in one way, then writes
``after`` and an end mark: in real tmux (``capture-pane -p -S -``: the history, then the pane)
and in tests/support/screen.py's TmuxScreen the lines must be the same.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pyte
import pytest

from tests.support.helpers import needs_tool
from tests.support.screen import TmuxScreen

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
END = "-- end --"


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


def in_tmux(data: str, tmp_path: Path) -> list[str]:
    written = tmp_path / "written"
    written.write_text(data)
    socket = str(tmp_path / "tmux.socket")
    env = {key: value for key, value in os.environ.items() if key != "TMUX"}
    tmux = ["tmux", "-S", socket, "-f", "/dev/null"]
    pane = f"stty -echo; cat {written}; exec sleep 60"
    subprocess.run([*tmux, "new-session", "-d", "-x", str(COLUMNS), "-y", str(ROWS), pane], env=env, check=True)
    try:
        deadline = time.monotonic() + 20
        while True:  # read the pane until the end mark is drawn
            captured = subprocess.run(
                [*tmux, "capture-pane", "-p", "-S", "-"], env=env, capture_output=True, text=True, check=True
            ).stdout
            if END in captured or time.monotonic() > deadline:
                break
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, check=False)
    return trimmed([line.rstrip() for line in captured.split("\n")])


@needs_tool("tmux")
@pytest.mark.parametrize("case", CASES)
def test_the_emulator_keeps_what_tmux_keeps(case: str, tmp_path: Path) -> None:
    data = CASES[case] + f"after\n{END}\n"
    assert emulated(data) == in_tmux(data, tmp_path)
