"""A small "waiting" spinner on stderr, for terminals only.

It runs in a thread until ``stop`` is called, and ``stop`` returns only once the spinner's
line has been erased, so the first character of the answer never lands beside it. Each frame
is fitted to the terminal's width as it is then (sacli.term.statusline).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from sacli.term.statusline import status_line
from sacli.term.stderr import Messages

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Spinner:
    def __init__(self, label: str, *, fd: int = 2, interval: float = 0.08) -> None:
        self._label = label
        self._fd = fd
        self._interval = interval
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sacli-spinner", daemon=True)
        self._shown = False

    def start(self) -> Spinner:
        self._thread.start()
        return self

    def _run(self) -> None:
        frame = 0
        while not self._stopped.wait(self._interval if self._shown else 0.15):
            with self._lock:
                if self._stopped.is_set():
                    return
                self._put("\r" + status_line(f"{_FRAMES[frame % len(_FRAMES)]} {self._label}", self._fd) + "\x1b[K")
                self._shown = True
            frame += 1

    def _put(self, text: str) -> None:
        try:
            os.write(self._fd, text.encode())
        except OSError:
            self._stopped.set()

    def clear(self) -> None:
        """Erase the spinner's line (it comes back on the next frame unless stopped)."""
        with self._lock:
            if self._shown:
                self._put("\r\x1b[K")
                self._shown = False

    def stop(self) -> None:
        self._stopped.set()
        self.clear()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(1)


@contextlib.contextmanager
def spinning(messages: Messages, label: str) -> Iterator[Spinner | None]:
    """A spinner while the block runs, on a terminal only (None elsewhere); a message clears it first."""
    if not messages.decorative:
        yield None
        return
    spinner = Spinner(label).start()
    try:
        with messages.status_line(spinner.clear):
            yield spinner
    finally:
        spinner.stop()
