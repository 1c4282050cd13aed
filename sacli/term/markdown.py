"""``--markdown``: the reply rendered as Markdown on a terminal while it streams.

Text is gathered as it arrives and the whole reply so far is rendered with rich into a live
area at the bottom of the screen, at most every RENDER_EVERY seconds (less often when a render
takes long, so rendering never costs more than a fifth of the time), each render erasing the
previous one. The live area is at most the terminal's height less one line: a longer reply
shows its last lines while it streams, and at the end the live area is erased and the whole
reply rendered once, into the scrollback like any output.

The model's text cannot drive the terminal through the renderer: control characters are
escaped before rich sees the text, rich's console markup is not read in Markdown, and links
are shown as text, not as terminal hyperlinks. NO_COLOR keeps the layout (headings, bold,
lists, code blocks) without colour. Used only when stdout is a terminal.
"""

from __future__ import annotations

import os
import threading
import time

from sacli.term.stdout import Output, escape_controls

RENDER_EVERY = 0.1  # seconds: at most ten renders a second
ERASE = "\x1b[J"  # erase from the cursor to the end of the screen: once per render


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

    def write(self, text: str) -> None:
        if not text:
            return
        self._start()
        with self.lock:
            self._raise_failure()
            self.text.append(text)
            self.ends_with_newline = True  # a render always ends where a line starts
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

    def _render(self, *, final: bool) -> None:
        import rich.markdown  # noqa: F401  (loaded before the clock starts: a render's cost is what it repeats)

        started = time.monotonic()
        columns, rows = _size(self.fd)
        lines = self._rendered(columns).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not final:
            lines = lines[-max(1, rows - 1) :]
        erase = "\r" + (f"\x1b[{self.shown - 1}A" if self.shown > 1 else "") + ERASE
        body = "\n".join(lines) + ("\n" if final else "")
        self.shown = 0 if final else len(lines)
        self._put(erase + body)
        cost = time.monotonic() - started
        self.interval = max(RENDER_EVERY, 5 * cost)
        self.next_render = time.monotonic() + self.interval

    def _rendered(self, columns: int) -> str:
        import io

        from rich.console import Console
        from rich.markdown import Markdown

        # One column short of the width, so a full line never leaves the cursor waiting to wrap.
        console = Console(file=io.StringIO(), width=max(20, columns - 1), force_terminal=True, highlight=False)
        console.print(Markdown(escape_controls("".join(self.text)), hyperlinks=False))
        return console.file.getvalue()  # type: ignore[attr-defined]

    def _put(self, text: str) -> None:
        escape, self.escape = self.escape, False  # rich's own sequences, made from escaped text
        try:
            Output.write(self, text)
        finally:
            self.escape = escape


def _size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return 80, 24
    return size.columns or 80, size.lines or 24
