"""When to retry and how long to wait: pure functions, no I/O."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping

RETRY_STATUSES = frozenset({408, 409, 429, *range(500, 600)})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# A server that asks for a longer wait than this is not waited for: a script should fail fast.
LONGEST_HONOURED_WAIT = 60.0

_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|sec|seconds?)\b", re.IGNORECASE)


def backoff_delay(attempt: int, jitter: float) -> float:
    """Exponential backoff from 0.5 s, doubling, at most 8 s; ``jitter`` in [0, 1) spreads it over its upper half."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return ceiling * (0.5 + jitter / 2)


def server_retry_delay(headers: Mapping[str, str], message: str, now: float | None = None) -> float | None:
    """The wait the server asked for: retry-after-ms, Retry-After (seconds or HTTP date), or its message."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return _bounded(float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            return _bounded(float(value))
        except ValueError:
            pass
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return _bounded(when - (time.time() if now is None else now))
    reset = _rate_limit_reset(headers, time.time() if now is None else now)
    if reset is not None:
        return reset
    match = _TRY_AGAIN.search(message)
    if match:
        amount = float(match.group(1))
        return _bounded(amount / 1000 if match.group(2).lower().startswith("m") else amount)
    return None


def _rate_limit_reset(headers: Mapping[str, str], now: float) -> float | None:
    """The wait until X-RateLimit-Reset, when the window is spent (X-RateLimit-Remaining 0 or not sent):
    OpenRouter sends the reset as Unix milliseconds; a smaller number is Unix seconds, or seconds from now."""
    value = headers.get("x-ratelimit-reset")
    remaining = headers.get("x-ratelimit-remaining", "0").strip()
    if not value or remaining not in ("0", "0.0"):
        return None
    try:
        reset = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(reset):
        return None
    if reset > 1e12:
        return _bounded(reset / 1000 - now)
    if reset > 1e9:
        return _bounded(reset - now)
    return _bounded(reset)


def _bounded(seconds: float) -> float:
    return max(0.0, seconds)
