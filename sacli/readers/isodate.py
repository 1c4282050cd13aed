"""Calendar dates written as ISO 8601 text (``2027-01-10``), as OpenRouter's models list gives its
``expiration_date`` and ``knowledge_cutoff``: read from whatever a server sent, or nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")


def iso_date(value: Any) -> datetime.date | None:
    """The date that ``value`` starts with (``YYYY-MM-DD``, alone or before a time); None for
    anything else: another type, another format, a day that does not exist."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = DATE.match(value)
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
