"""``--markdown``: the reply rendered as Markdown on a terminal while it streams.

Text is gathered as it arrives and rendered with rich into a live area at the bottom of the
screen, at most every RENDER_EVERY seconds (less often when a render takes long, so rendering
never costs more than a fifth of the time), each render drawn over the previous one. The live
area is at most the terminal's height less one line, so a longer reply shows its last lines
while it streams: only the blocks that reach into those lines are rendered (the text from a
block start, see BlockStarts), so a render costs the same at the end of a long reply as at
its start. At the end the whole reply is rendered once over the live area, into the
scrollback like any output.

A render moves up to the live area's first line and writes each line over the old one, erasing
what is left of it (EL, ``ESC[K``), then erases the old lines the new render does not reach,
one by one. It never erases the display (``ESC[J``): from the top row of the screen (a fresh
window, or after ``clear``) some terminals, tmux among them, move a display erased whole into
their scrollback, and a reply would leave a copy of the screen there per render. The cursor is
hidden while a render is drawn.

The model's text cannot drive the terminal through the renderer: control characters are
escaped before rich sees the text, rich's console markup is not read in Markdown, and links
are shown as text, not as terminal hyperlinks. NO_COLOR keeps the layout (headings, bold,
lists, code blocks) without colour. Used only when stdout is a terminal.
"""

from __future__ import annotations

import os
import re
import threading
import time

from sacli.term.stdout import Output, escape_controls

RENDER_EVERY = 0.1  # seconds: at most ten renders a second
RENDER_START = "\x1b[?25l"  # each render starts by hiding the cursor, and shows it again at its end
CURSOR_SHOWN = "\x1b[?25h"
ERASE_LINE = "\x1b[K"  # erase from the cursor to the end of the line
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's styles, the only sequences it writes here


class MarkdownOutput(Output):
    def __init__(self, *, fd: int = 1) -> None:
        super().__init__(fd=fd)
        self.text: list[str] = []
        self.shown = 0  # lines of the live area on the screen; the cursor is at the end of the last
        self.next_render = 0.0
        self.interval = RENDER_EVERY
        self.timer: threading.Timer | None = None
        self.lock = threading.RLock()
        self.failure: BaseException | None = None  # what stopped a render on the timer's thread
        self.blocks = BlockStarts()

    def write(self, text: str) -> None:
        if not text:
            return
        self._start()
        with self.lock:
            self._raise_failure()
            self.text.append(text)
            self.ends_with_newline = True  # the final render ends the reply's last line
            wait = self.next_render - time.monotonic()
            if wait <= 0:
                self._render(final=False)
            elif self.timer is None:
                self.timer = threading.Timer(wait, self._on_time)
                self.timer.daemon = True
                self.timer.start()

    def _on_time(self) -> None:
        with self.lock:
            self.timer = None
            try:
                if self.text and self.failure is None:
                    self._render(final=False)
            except BaseException as exc:  # a closed or full stdout: the main thread raises it
                self.failure = exc

    def _raise_failure(self) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure

    def write_line(self, line: str) -> None:
        """A line of sacli's own after the reply (the tool calls' JSON): shown as it is, not as Markdown."""
        self.finish()
        Output.write(self, line + "\n")

    def end_line(self) -> None:
        self.finish()

    def finish(self) -> None:
        """The last render: the whole reply, left on the screen (nothing when nothing came)."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            self._raise_failure()
            if self.started and self.text:
                self._render(final=True)
                self.text = []
                self.blocks = BlockStarts()

    def _render(self, *, final: bool) -> None:
        import rich.markdown  # noqa: F401  (loaded before the clock starts: a render's cost is what it repeats)

        started = time.monotonic()
        columns, rows = _size(self.fd)
        source = "".join(self.text)
        if final:
            lines = _lines(render(source, columns))
        else:
            self.blocks.scan(source)
            lines = live_view(source, self.blocks, columns, rows)
        self._put(RENDER_START + redraw(lines, self.shown, final=final) + CURSOR_SHOWN)
        self.shown = 0 if final else len(lines)
        cost = time.monotonic() - started
        self.interval = max(RENDER_EVERY, 5 * cost)
        self.next_render = time.monotonic() + self.interval

    def _put(self, text: str) -> None:
        escape, self.escape = self.escape, False  # rich's own sequences, made from escaped text
        try:
            Output.write(self, text)
        finally:
            self.escape = escape


def redraw(lines: list[str], shown: int, *, final: bool) -> str:
    """What draws ``lines`` over a live area of ``shown`` lines, the cursor at the end of its last.

    The cursor ends at the end of the last line, or with ``final`` at the start of the line
    below. The old lines below the new ones are erased whole (EL 2), reached with CUD, which
    never scrolls; the cursor then comes back up.
    """
    text = "\r" + (f"\x1b[{shown - 1}A" if shown > 1 else "")
    text += "\n".join(line + ERASE_LINE for line in lines) + ("\n" if final and lines else "")
    home = len(lines) if final else max(len(lines) - 1, 0)  # the cursor's line in the area
    row = home
    for number in range(len(lines), shown):  # old lines that nothing was written over
        text += ("\x1b[B" if number > row else "") + "\x1b[2K"
        row = number
    return text + (f"\x1b[{row - home}A" if row > home else "")


class BlockStarts:
    """Where top-level Markdown blocks start in a growing text, found as whole lines arrive.

    A block starts at a line that follows a blank line, is not indented (an indented line
    after a blank one may continue a list item) and is not inside a fenced code block.
    Rendering the text from such a start gives that part of the reply as the whole text does
    (a list cut there renders as a list, numbered from where it was); it is used only for the
    live view, never for the final render.
    """

    def __init__(self) -> None:
        self.offsets = [0]
        self.scanned = 0  # where the next unscanned line starts
        self.fence = ""  # the fence that opened the code block we are in ("" outside one)
        self.after_blank = False

    def scan(self, text: str) -> None:
        while (end := text.find("\n", self.scanned)) >= 0:
            start, line = self.scanned, text[self.scanned : end]
            self.scanned = end + 1
            stripped = line.strip()
            if self.fence:
                if stripped.startswith(self.fence) and not stripped.strip(self.fence[0]):
                    self.fence = ""
                continue
            if not stripped:
                self.after_blank = True
                continue
            if self.after_blank and not line[0].isspace():
                self.offsets.append(start)
            self.after_blank = False
            if stripped.startswith(("```", "~~~")):
                mark = stripped[0]
                self.fence = stripped[: len(stripped) - len(stripped.lstrip(mark))]

    def tail_start(self, text: str, lines: int, back: int = 0) -> int:
        """The index of the latest block start with at least ``lines`` lines of text after it, ``back`` more."""
        index, counted = len(self.offsets) - 1, text.count("\n", self.offsets[-1])
        while index > 0 and counted < lines:
            counted += text.count("\n", self.offsets[index - 1], self.offsets[index])
            index -= 1
        return max(0, index - back)


def live_view(text: str, blocks: BlockStarts, columns: int, rows: int) -> list[str]:
    """The last lines of the reply so far, at most rows - 1: the rendering of its last blocks."""
    want = max(1, rows - 1)
    back = 0
    while True:
        index = blocks.tail_start(text, want, back)
        lines = _lines(render(text[blocks.offsets[index] :], columns))
        if index > 0:
            # rich opens a render that starts with a list with a blank line; mid-reply, what
            # is above the block is the reply's own.
            while lines and not _visible(lines[0]):
                del lines[0]
        if len(lines) >= want or index == 0:
            return lines[-want:]
        back = 2 * back + 1  # rendered shorter than its text (blank lines fold): take more blocks


def render(text: str, columns: int) -> str:
    """``text`` as rich renders Markdown for a terminal of ``columns``, escaped and without hyperlinks."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    # One column short of the width, so a full line never leaves the cursor waiting to wrap.
    console = Console(file=io.StringIO(), width=max(20, columns - 1), force_terminal=True, highlight=False)
    console.print(Markdown(escape_controls(text), hyperlinks=False))
    return console.file.getvalue()  # type: ignore[attr-defined]


def _visible(line: str) -> bool:
    return bool(_SGR.sub("", line).strip())


def _lines(rendered: str) -> list[str]:
    lines = rendered.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return 80, 24
    return size.columns or 80, size.lines or 24
