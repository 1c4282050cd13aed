"""Upload progress on stderr: a rich bar per file on a terminal, plain lines with --verbose, else nothing.

On a terminal each file gets one line, fitted to the terminal's width at each drawing:

    …/reports/quarterly-2026.pdf ━━━━━━━━━━━━━━━━━━━━ 1.2/3.1 MB 12.4 MB/s 0:00:01
    notes.txt ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 6 bytes

the path as given (its start cut when it is long: the name is at its end, with its control
characters shown escaped), the bar, what was sent of how much (the size alone once it is all
sent), the rate and the time left once they are known. In a narrow terminal the time left goes
first, then the rate, and the path and the bar narrow.

Only the terminal form imports rich. sacli's own stderr messages (retry notices, warnings) are
written straight to file descriptor 2, around rich's live display: before one is written the
bar is stopped (its last frame stays on screen), and the next piece of progress starts it
again below the message.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from sacli.term.stderr import Messages


class Upload(Protocol):
    """What the progress of one file shows: how the user named it, and its size."""

    @property
    def label(self) -> str: ...

    @property
    def size(self) -> int: ...


# A bar's label longer than this shows only its end (where the file name is).
LABEL_WIDTH = 40
LABEL_AT_LEAST = 12  # the bar and the parts after it make room for this much of the label
BAR_WIDTH = 40
BAR_WANTS = 20  # the label narrows to give the bar this much
NARROWEST_BAR = 10
# Off a terminal with --verbose, files at least this large also get a line per tenth sent.
STEP_LINES_FROM = 16 * 1024 * 1024


def human_size(size: Any) -> str:
    """A size in bytes as rich writes sizes (kB, MB: powers of 1000, as its transfer rates are)."""
    if not isinstance(size, int | float) or isinstance(size, bool):
        return "" if size is None else str(size)
    from rich.filesize import decimal

    return decimal(int(size)) if 0 <= size < 1e30 else str(size)


def short_label(label: str, width: int = LABEL_WIDTH) -> str:
    """The label with its control characters escaped, its start cut to ``width`` cells."""
    from sacli.term.statusline import fit
    from sacli.term.stdout import escape_controls

    return fit(escape_controls(label), width, keep_end=True)


def fitted(width: int, label: str, parts: list[str]) -> tuple[str, int, str]:
    """The label, the bar's width (0: none) and the text after it, on a line of ``width`` cells.

    ``parts`` are the amount sent, then the rate and the time left when they are known; the
    last ones go first when they do not fit; the label narrows to leave the bar BAR_WANTS
    cells, down to LABEL_AT_LEAST, then the bar narrows to NARROWEST_BAR, then it goes and the
    label takes what is left.
    """
    from sacli.term.statusline import cells

    longest = cells(short_label(label))
    for count in range(len(parts), 0, -1):
        text = " ".join(parts[:count])
        room = width - cells(text) - 2  # the label, the bar and the two spaces between the three
        shown = min(longest, max(room - BAR_WANTS, LABEL_AT_LEAST))
        if room - shown >= NARROWEST_BAR:
            return short_label(label, shown), min(BAR_WIDTH, room - shown), text
    return short_label(label, max(width - cells(parts[0]) - 1, 1)), 0, parts[0]


class UploadProgress:
    """One per command run; ``start(source)`` for each attempt at uploading a file."""

    def __init__(self, messages: Messages, *, verbose: bool) -> None:
        self.messages = messages
        self.bars = messages.decorative
        self.lines = verbose and not self.bars
        self._progress: Any = None
        self._task: Any = None
        self._source: Upload | None = None
        self._sent = 0
        self._step = 0
        self._started = 0.0

    def start(self, source: Upload) -> Any:
        """Begin (or begin again, for a retry) the upload of ``source``; the callback for its bytes sent."""
        if self._source is source:
            self._sent = self._step = 0
            if self._task is not None and self._progress is not None:
                self._progress.reset(self._task, total=source.size)
        else:
            self.finish()
            self._source = source
            self._sent = self._step = 0
            self._started = time.monotonic()
            if self.lines:
                self.messages.notice(f"uploading {source.label} ({human_size(source.size)})")
        if self.bars:
            self._show()
        return self._advance if (self.bars or self.lines) else None

    def _advance(self, sent: int) -> None:
        self._sent = sent
        source = self._source
        if source is None:
            return
        if self.bars:
            self._show()
            self._progress.update(self._task, completed=sent)
        elif self.lines and source.size >= STEP_LINES_FROM:
            step = sent * 10 // source.size
            if step > self._step and sent < source.size:
                self._step = step
                self.messages.notice(f"{source.label}: {step * 10}% ({human_size(sent)} of {human_size(source.size)})")

    def done(self, file_id: str | None) -> None:
        """The file was accepted by the server."""
        source = self._source
        if source is not None and self.lines:
            seconds = time.monotonic() - self._started
            shown = f" as {file_id}" if file_id else ""
            self.messages.notice(f"uploaded {source.label}{shown} ({human_size(source.size)} in {seconds:.1f} s)")
        self.finish()

    def finish(self) -> None:
        """Leave the current bar on screen as it is and let stderr go back to plain writes."""
        self._hide()
        self._source = None
        self._task = None

    def _show(self) -> None:
        if self._progress is not None or self._source is None:
            return
        from rich.console import Console, RenderableType
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            ProgressColumn,
            Task,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.table import Table
        from rich.text import Text

        console = Console(stderr=True, highlight=False)  # rich honours NO_COLOR itself
        bar, amount, rate, time_left = BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()

        class Line(ProgressColumn):
            """The label, the bar, the amount sent and, once known, the rate and the time left,
            fitted to the terminal's width as it is at this drawing."""

            def render(self, task: Task) -> RenderableType:
                done = task.total is not None and task.completed >= task.total
                parts = [human_size(task.total) if done else amount.render(task).plain]
                if task.finished_speed or task.speed:
                    parts.append(rate.render(task).plain)
                if not done and task.time_remaining is not None:
                    parts.append(time_left.render(task).plain)
                label, bar.bar_width, text = fitted(console.width - 1, task.description, parts)
                line = Table.grid(padding=(0, 1))
                bars = [bar.render(task)] if bar.bar_width else []
                line.add_row(Text(label, no_wrap=True), *bars, Text(text, no_wrap=True))
                return line

        self._progress = Progress(
            Line(),
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._progress.start()
        # A new bar, or after a message, a fresh one below it carrying on from where that stopped.
        self._task = self._progress.add_task(self._source.label, total=self._source.size, completed=self._sent)
        self.messages.before_write = self._hide

    def _hide(self) -> None:
        if self._progress is None:
            return
        self._progress.stop()
        self._progress = None
        self.messages.before_write = None
