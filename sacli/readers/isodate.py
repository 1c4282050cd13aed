"""Calendar dates written as ISO 8601 text (``2027-01-10``), as OpenRouter's models list gives its
``expiration_date`` and ``knowledge_cutoff``: read from whatever a server sent, or nothing."""

from __future__ import annotations

import datetime
from typing import Any


def iso_date(value: Any) -> datetime.date | None:
    """The date that ``value`` starts with (``YYYY-MM-DD``, alone or before a time); None for
    anything else: another type, another format, a day that does not exist."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    day, rest = value[:10], value[10:]
    digits = day[:4] + day[5:7] + day[8:]
    if len(day) != 10 or day[4] + day[7] != "--" or not (digits.isascii() and digits.isdigit()):
        return None
    if rest and rest[0] not in "T ":
        return None
    try:
        return datetime.date(int(day[:4]), int(day[5:7]), int(day[8:]))
    except ValueError:
        return None
