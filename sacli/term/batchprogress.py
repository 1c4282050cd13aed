"""A batch's progress on stderr: one line drawn by rich.progress on a terminal, nothing anywhere else.

    ━━━━━━━━━━━━━━━━━━━━ 412/1000 · 3 failed · 32 running · 27.4/s 0:00:21

rich redraws the line in place, at most ten times a second; sacli fits it to the terminal's
width at each drawing, so that it never wraps: in a narrow terminal the time left goes first,
then the rate, and the bar narrows (from 20 cells to 10, then goes), the counts last. A message
on stderr (the pause of a 429, a retry) takes the line away first; the next update draws it
again below the message. Without the total (a batch read from a pipe) the bar and the time left
are left out. At the end the last line stays on the screen.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sacli.term.stderr import Messages

BAR_WIDTH = 20
NARROWEST_BAR = 10


def counts_text(counts: dict[str, int], total: int | None) -> str:
    finished = counts["done"] + counts["failed"]
    parts = [f"{finished}/{total}" if total is not None else f"{finished} done"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    parts.append(f"{counts['running']} running")
    return " · ".join(parts)


def fitted(width: int, parts: list[str], *, bar: bool) -> tuple[int, str]:
    """The bar's width (0: none) and the text beside it, on a line of ``width`` cells.

    ``parts`` are the counts, the rate and the time left; the last ones go first when they do
    not fit, then the bar, and the counts are cut only when they alone do not fit.
    """
    from sacli.term.statusline import cells, fit

    texts = [" · ".join(parts[:2]) + "".join(f" {part}" for part in parts[2:]), " · ".join(parts[:2]), parts[0]]
    for text in texts:
        room = width - cells(text) - 1  # what is left for the bar and the space after it
        if not bar and cells(text) <= width:
            return 0, text
        if bar and room >= NARROWEST_BAR:
            return min(BAR_WIDTH, room), text
    return 0, fit(parts[0], width)


class BatchProgress:
    """``with BatchProgress(messages, total=N) as progress``: ``update`` with the counts as they change."""

    def __init__(self, messages: Messages, *, total: int | None) -> None:
        self.messages = messages
        self.shown = messages.decorative
        self.total = total
        self.counts = {"done": 0, "failed": 0, "running": 0, "skipped": 0}
        self.progress: Any = None
        self.task: Any = None
        self.status = contextlib.ExitStack()

    def __enter__(self) -> BatchProgress:
        if self.shown:
            self.status.enter_context(self.messages.status_line(self.clear))
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()
        self.status.close()

    def update(self, counts: dict[str, int]) -> None:
        if not self.shown:
            return
        self.counts = counts
        if self.progress is None:
            self._start()
        self.progress.update(self.task, completed=counts["done"] + counts["failed"], counts=self._text())

    def end(self, counts: dict[str, int]) -> None:
        """The last line, left on the screen."""
        if not self.shown:
            return
        self.update(counts)
        self.progress.live.transient = False
        self.progress.stop()
        self.progress = None

    def clear(self) -> None:
        """Take the line off the screen (a message is about to be written)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _text(self) -> str:
        total = None if self.total is None else self.total - self.counts.get("skipped", 0)
        return counts_text(self.counts, total)

    def _start(self) -> None:
        from rich.console import Console, RenderableType
        from rich.progress import BarColumn, Progress, ProgressColumn, Task, TimeRemainingColumn
        from rich.table import Table
        from rich.text import Text

        console = Console(stderr=True, highlight=False)
        with_total = self.total is not None
        bar, time_left = BarColumn(bar_width=BAR_WIDTH), TimeRemainingColumn()

        class Line(ProgressColumn):
            """The bar, the counts, the items finished a second since the start and the time left,
            fitted to the terminal's width as it is at this drawing."""

            def render(self, task: Task) -> RenderableType:
                elapsed = task.elapsed or 0
                parts = [task.fields["counts"], f"{task.completed / elapsed if elapsed > 0 else 0:.1f}/s"]
                if with_total:
                    parts.append(time_left.render(task).plain)
                bar.bar_width, text = fitted(console.width - 1, parts, bar=with_total)
                if not bar.bar_width:
                    return Text(text, no_wrap=True)
                line = Table.grid(padding=(0, 1))
                line.add_row(bar.render(task), Text(text, no_wrap=True))
                return line

        self.progress = Progress(
            Line(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            refresh_per_second=10,
        )
        total = None if self.total is None else max(self.total - self.counts.get("skipped", 0), 0)
        self.task = self.progress.add_task("batch", total=total, counts=self._text())
        self.progress.start()
