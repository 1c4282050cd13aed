"""A batch's progress on stderr: one line redrawn in place on a terminal, nothing anywhere else.

    [########............]  412/1000 · 3 failed · 32 running · 27.4/s · ETA 0:21

It is redrawn at most ten times a second (and once at the end); a message on stderr (the
pause of a 429, a retry) clears the line first, and the next redraw puts it back below it.
Without the total (a batch read from a pipe) the bar and the ETA are left out.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from sacli.term.stderr import Messages

REDRAW_EVERY = 0.1  # seconds
BAR_WIDTH = 20


def eta(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(counts: dict[str, int], total: int | None, elapsed: float) -> str:
    finished = counts["done"] + counts["failed"]
    rate = finished / elapsed if elapsed > 0 else 0.0
    parts = [f"{finished}/{total}" if total is not None else f"{finished} done"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    parts += [f"{counts['running']} running", f"{rate:.1f}/s"]
    if total is not None and rate > 0 and finished < total:
        parts.append(f"ETA {eta((total - finished) / rate)}")
    line = " · ".join(parts)
    if total:
        filled = min(BAR_WIDTH, BAR_WIDTH * finished // total)
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]  {line}"
    return line


class BatchProgress:
    def __init__(self, messages: Messages, *, total: int | None) -> None:
        self.messages = messages
        self.shown = messages.decorative
        self.total = total
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.lock = threading.Lock()
        self.on_screen = False
        if self.shown:
            messages.before_write = self.clear

    def update(self, counts: dict[str, int], *, final: bool = False) -> None:
        if not self.shown:
            return
        now = time.monotonic()
        if not final and now - self.last_drawn < REDRAW_EVERY:
            return
        self.last_drawn = now
        total = None if self.total is None else self.total - counts.get("skipped", 0)
        line = progress_line(counts, total, now - self.started)
        with self.lock:
            self._put("\r\x1b[K" + line + ("\n" if final else ""))
            self.on_screen = not final

    def clear(self) -> None:
        with self.lock:
            if self.on_screen:
                self._put("\r\x1b[K")
                self.on_screen = False

    def end(self, counts: dict[str, int]) -> None:
        if self.shown:
            self.update(counts, final=True)
            self.messages.before_write = None

    def _put(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(2, text.encode())
