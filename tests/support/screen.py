"""What a person sees: the installed sacli on a pseudo-terminal of a set size, through a VT emulator.

``Screen`` runs sacli as ``Terminal`` does (forked on a pty, its controlling terminal, of
``columns`` x ``rows``) and feeds every byte it writes to the terminal into a pyte screen with
scrollback. Tests then assert on the visible lines (``display``) and on everything a person can
scroll back to (``scrollback``: the lines gone off the top, then the screen), at the widths
people use (80 columns, and 50 for a split pane).

Terminals differ in what they keep when the screen is erased. pyte keeps nothing; tmux keeps
a screen erased whole: its ``scroll-on-clear`` pane option (on by default) first moves the
screen's lines, down to the last one in use, into the scrollback. Checked against tmux 3.3a
(``tmux new-session -d -x 40 -y 10``, then ``capture-pane -p -S -`` and ``#{history_size}``),
with three lines written on a fresh pane and then:

- ``ESC[2J`` (erase the whole display), the cursor on the top row or on the second: the three
  lines go to the scrollback (history_size 3) and the cursor stays where it was;
- ``ESC[H ESC[J`` (erase from the cursor to the end, from column 0 of the top row): the same,
  three lines in the scrollback;
- ``ESC[J`` from column 3 of the top row, or from the second row: nothing is kept, the lines
  erased are gone (history_size 0);
- ``ESC[2J`` or ``ESC[J`` on an empty screen keeps nothing.

So a program that redraws in place by moving up and erasing with ``ESC[J`` floods tmux's
scrollback with a copy of the screen per redraw whenever its redraw starts at the top left
(a fresh pane, or after ``clear``). ``TmuxScreen`` behaves the same way, so such a flood fails
a test here as it would show in tmux; tests/unit/test_screen_harness.py compares the two on the
same bytes, and tests/e2e/stream/test_stream_screen.py runs --markdown in tmux itself
(tests/support/tmux.py), when tmux is installed. One difference remains: tmux counts a line as in use once
anything, even a space, was written on it, and this screen counts lines that show a character
other than a space.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pyte
from pyte.screens import Char, StaticDefaultDict

from tests.support.terminal import TIMEOUT, Terminal

WIDTHS = (80, 50)  # a full-width terminal, and a split pane
HISTORY = 100_000  # lines of scrollback kept: enough to count a flood


class TmuxScreen(pyte.HistoryScreen):
    """A pyte screen with scrollback that, as tmux does, keeps a screen erased whole in its scrollback."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines, history=HISTORY)

    def erase_in_display(self, how: int = 0, *args: object, **kwargs: object) -> None:
        whole = how == 2 or (how == 0 and self.cursor.x == 0 and self.cursor.y == 0)
        if whole:
            used = [y for y in range(self.lines) if _text(self.buffer[y], self.columns).strip()]
            for y in range(max(used) + 1 if used else 0):
                kept: StaticDefaultDict[int, Char] = StaticDefaultDict(self.buffer[y].default)
                kept.update(self.buffer[y])
                self.history.top.append(kept)
        super().erase_in_display(how, *args, **kwargs)


def _text(line: StaticDefaultDict[int, Char], columns: int) -> str:
    """A line of the screen as text, wide characters once (the cell after one holds an empty stub)."""
    return "".join(line[x].data for x in range(columns))


class Screen(Terminal):
    """sacli on a pty of ``columns`` x ``rows`` whose output is drawn on a ``TmuxScreen``.

    ``before`` is what the terminal showed before sacli started (a shell's earlier output), so
    that sacli starts lower than the top row. ``COLUMNS`` and ``LINES`` are taken out of the
    environment: sacli learns the size from the terminal, as it does in a shell that does not
    export them.
    """

    def __init__(
        self,
        *args: str,
        env: dict[str, str],
        columns: int = 80,
        rows: int = 24,
        before: str = "",
        stderr_path: str | None = None,
        stdout_path: str | None = None,
        cwd: str | None = None,
    ) -> None:
        self.screen = TmuxScreen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        if before:
            self.stream.feed(before.replace("\n", "\r\n").encode())
        env = {key: value for key, value in env.items() if key not in ("COLUMNS", "LINES")}
        super().__init__(
            *args, env=env, stderr_path=stderr_path, stdout_path=stdout_path, columns=columns, rows=rows, cwd=cwd
        )

    def _read(self, timeout: float) -> bool | None:
        before = len(self.output)
        got = super()._read(timeout)
        if got:
            self.stream.feed(self.output[before:])
        return got

    @property
    def display(self) -> list[str]:
        """The visible lines, trailing spaces dropped."""
        return [line.rstrip() for line in self.screen.display]

    @property
    def history(self) -> list[str]:
        """The lines that went off the top into the scrollback, oldest first."""
        return [_text(line, self.screen.columns).rstrip() for line in self.screen.history.top]

    @property
    def scrollback(self) -> list[str]:
        """Everything a person can scroll back to: the history, then the screen, blank lines at the end dropped."""
        lines = self.history + self.display
        while lines and not lines[-1]:
            lines.pop()
        return lines

    @property
    def cursor(self) -> tuple[int, int]:
        """(column, row) of the cursor on the screen, from 0."""
        return self.screen.cursor.x, self.screen.cursor.y

    @property
    def line_number(self) -> int:
        """The cursor's line counted from the top of the scrollback, from 0 (it grows as lines scroll off)."""
        return len(self.screen.history.top) + self.screen.cursor.y

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.screen.display)

    def wait_until(self, done: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        """Read what sacli writes until ``done()`` holds of the screen."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._read(remaining) is False:
                shown = "\n".join(self.display)
                raise AssertionError(f"the screen never showed {what}; it shows:\n{shown}")

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> None:
        """Read until ``text`` is on a visible line."""
        self.wait_until(lambda: self.shows(text), repr(text), timeout)

    def finish(self, timeout: float = TIMEOUT) -> int:
        """sacli's exit code once it has ended, everything it wrote drawn."""
        return self.exit_code(timeout)


def show(
    *args: str,
    env: dict[str, str],
    columns: int = 80,
    rows: int = 24,
    before: str = "",
    exit_code: int = 0,
    stdout_path: str | None = None,
) -> Screen:
    """Run sacli to its end on a screen, check its exit code, and return the screen."""
    screen = Screen(*args, env=env, columns=columns, rows=rows, before=before, stdout_path=stdout_path)
    try:
        code = screen.finish()
    finally:
        screen.close()
    assert code == exit_code, "\n".join(screen.scrollback)
    return screen


def lines_before(count: int) -> str:
    """A shell's earlier output of ``count`` lines, so that sacli starts on the row below them."""
    return "".join(f"$ earlier command {n}\n" for n in range(count))


def table(lines: list[str]) -> list[list[str]]:
    """The cells of the (rich) table among ``lines``: its headings, then each row, stripped."""
    rows = [line for line in lines if line.startswith(("┃", "│"))]
    return [[cell.strip() for cell in row[1:-1].split(row[0])] for row in rows]


def after_table(lines: list[str], columns: int) -> str:
    """What follows the table's last line (a message on stderr), its folded lines joined again."""
    end = max(number for number, line in enumerate(lines) if line.startswith("└"))
    return unfolded(lines[end + 1 :], columns)


def unfolded(lines: list[str], columns: int) -> str:
    """A message sacli folded between words to fit ``columns``, on one line again; each of its lines
    fits (none was cut by the terminal in the middle of a word)."""
    shown = [line.rstrip() for line in lines if line.strip()]
    assert all(len(line) < columns for line in shown), shown
    return " ".join(line.strip() for line in shown)
