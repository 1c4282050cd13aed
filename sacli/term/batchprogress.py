"""A batch's progress on stderr: one line drawn by rich.progress on a terminal, nothing anywhere else.

    ━━━━━━━━━━━━━━━━━━━━ 412/1000 · 3 failed · 32 running · 27.4/s 0:00:21

rich fits the line to the terminal's width and redraws it in place, at most ten times a second.
A message on stderr (the pause of a 429, a retry) takes the line away first; the next update
draws it again below the message. Without the total (a batch read from a pipe) the bar and the
time left are left out. At the end the last line stays on the screen.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sacli.term.stderr import Messages

BAR_WIDTH = 20


def counts_text(counts: dict[str, int], total: int | None) -> str:
    finished = counts["done"] + counts["failed"]
    parts = [f"{finished}/{total}" if total is not None else f"{finished} done"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    parts.append(f"{counts['running']} running")
    return " · ".join(parts)


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
        from rich.console import Console
        from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            """Items finished a second since the start."""

            def render(self, task: Task) -> Text:
                elapsed = task.elapsed or 0
                return Text(f"· {task.completed / elapsed if elapsed > 0 else 0:.1f}/s")

        columns: list[Any] = [TextColumn("{task.fields[counts]}", markup=False), Rate()]
        if self.total is not None:
            columns = [BarColumn(bar_width=BAR_WIDTH), *columns, TimeRemainingColumn()]
        self.progress = Progress(
            *columns,
            console=Console(stderr=True, highlight=False),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            refresh_per_second=10,
        )
        total = None if self.total is None else max(self.total - self.counts.get("skipped", 0), 0)
        self.task = self.progress.add_task("batch", total=total, counts=self._text())
        self.progress.start()
