"""Timestamps for people: local time, or "5 min ago" when recent. Pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

RECENT = timedelta(hours=24)
# The server's clock may run a little ahead of ours: a creation time this far ahead is "just now".
SKEW = timedelta(minutes=1)


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text or epoch seconds/milliseconds; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = value / 1000 if value > 1e11 else value  # 1e11 s is the year 5138: that is milliseconds
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A timestamp without an offset is taken as UTC, the way APIs write them.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_time(value: Any, now: datetime | None = None) -> str:
    """ "just now", "5 min ago", "3 h ago" within a day, else local "YYYY-MM-DD HH:MM"; raw text if unparseable."""
    when = parse_timestamp(value)
    if when is None:
        return "" if value is None else str(value)
    now = now or datetime.now(UTC)
    age = now - when
    if -SKEW <= age < RECENT:
        seconds = int(age.total_seconds())
        if seconds < 60:
            return "just now"
        if seconds < 3600:
            return f"{seconds // 60} min ago"
        return f"{seconds // 3600} h ago"
    try:
        return when.astimezone().strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):  # year 1 or 9999 west or east of UTC: no local time
        return when.isoformat(" ", "minutes")
