"""The waits between a request's attempts: one request's own (``AnnouncedWaits``), or shared by
every request of a batch (``SharedPause``); the transport is built with one of them.

A 429, or a 503 with Retry-After, says the account is over its limit, not that one request
failed: in a batch every worker then waits until the server's wait is over, the pause announced
once (a later refusal within it only lengthens it), and the refused requests are sent again
after it. A refusal of a request that was already sent when the pause began is part of that
burst even when it comes back after the pause: its worker alone waits the server's time,
unannounced. Any other retry is the item's own: announced with its id, then waited for by its
worker alone. Before each attempt a worker waits out a pause in force, so nothing is sent during one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sacli.errors import SacliError


class Notices(Protocol):
    def notice(self, message: str) -> None: ...


class Waits(Protocol):
    def __init__(self, reporter: Notices, *, time_scale: float) -> None: ...

    def before_attempt(self) -> None: ...

    def retry(self, error: SacliError, delay: float, attempt: int, retries: int) -> None: ...


def sleep_scaled(seconds: float, time_scale: float) -> None:
    """Wait ``seconds`` of the run: stretched by a replay's speed (0: not at all)."""
    if seconds > 0 and time_scale > 0:
        time.sleep(seconds * time_scale)


def retry_notice(error: SacliError, delay: float, attempt: int, retries: int) -> str:
    return f"{error.summary}; retrying in {delay:.1f} s (retry {attempt} of {retries})"


class AnnouncedWaits:
    """One request's waits: each retry announced on stderr, then waited for."""

    def __init__(self, reporter: Notices, *, time_scale: float) -> None:
        self.reporter = reporter
        self.time_scale = time_scale
        self.listener: Callable[[SacliError, float, int], None] | None = None  # told of each retry (--events)

    def before_attempt(self) -> None:
        pass

    def retry(self, error: SacliError, delay: float, attempt: int, retries: int) -> None:
        self.reporter.notice(retry_notice(error, delay, attempt, retries))
        if self.listener is not None:
            self.listener(error, delay, attempt)
        sleep_scaled(delay, self.time_scale)


class SharedPause:
    """A batch's waits; each worker says which item it is on (``working_on``) for its notices."""

    def __init__(self, reporter: Notices, *, time_scale: float) -> None:
        self.reporter = reporter
        self.time_scale = time_scale  # a replay's speed, as the transport has it
        self.until = 0.0
        self.began = float("-inf")  # when the last announced pause began
        self.condition = threading.Condition()
        self.current = threading.local()  # the item each worker is on, for its messages

    def working_on(self, item_id: Any) -> None:
        self.current.item_id = item_id

    def before_attempt(self) -> None:
        with self.condition:
            while (left := self.until - time.monotonic()) > 0:
                self.condition.wait(left)
        self.current.sent_at = time.monotonic()

    def retry(self, error: SacliError, delay: float, attempt: int, retries: int) -> None:
        if error.status == 429 or (error.status == 503 and error.retry_after is not None):
            self._pause_everyone(error, delay)
            return
        item = getattr(self.current, "item_id", None)
        self.reporter.notice(f"{item}: {retry_notice(error, delay, attempt, retries)}")
        sleep_scaled(delay, self.time_scale)

    def _pause_everyone(self, error: SacliError, delay: float) -> None:
        with self.condition:
            now = time.monotonic()
            until = now + delay * self.time_scale
            if self.until <= now and getattr(self.current, "sent_at", now) < self.began:
                own_wait = True  # late news of the burst already announced
            else:
                own_wait = False
                if until > self.until:
                    if self.until <= now:
                        self.reporter.notice(
                            f"{error.summary}; every request waits {delay:.1f} s, then the refused ones are sent again"
                        )
                        self.began = now
                    self.until = until
                    self.condition.notify_all()
        if own_wait:
            time.sleep(until - now)
        else:
            self.before_attempt()
