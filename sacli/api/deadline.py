"""The whole-command ``--timeout``: an alarm that interrupts whatever sacli is blocked on."""

from __future__ import annotations

import signal
import time
from types import FrameType

from sacli.errors import DeadlineExceeded


class Deadline:
    def __init__(self, seconds: float | None) -> None:
        self._ends = None if seconds is None else time.monotonic() + seconds
        if seconds is not None:

            def expire(signum: int, frame: FrameType | None) -> None:
                raise DeadlineExceeded(seconds)

            signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    def remaining(self) -> float | None:
        return None if self._ends is None else max(0.0, self._ends - time.monotonic())

    def cancel(self) -> None:
        if self._ends is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._ends = None
