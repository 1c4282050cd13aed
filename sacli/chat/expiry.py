"""A model past or near its ``expiration_date``: said once on stderr when a chat command uses it.

Nothing is fetched for it: the date comes from the models list only when that list is already kept
(sacli.store.modelexpiry, written with it by ``sacli models`` or a price look-up). A date within
NEAR_DAYS days is near. OpenRouter's date is the one "after which the model may be removed": on the
day itself the model is still there, the day after it has expired.
"""

from __future__ import annotations

import datetime

NEAR_DAYS = 30


def days_left(expires: datetime.date, today: datetime.date | None = None) -> int:
    return (expires - (today or datetime.date.today())).days


def expiry_phrase(expires: datetime.date, today: datetime.date | None = None) -> str:
    """``expired 3 days ago``, ``expires today``, ``expires in 12 days``."""
    left = days_left(expires, today)
    if left < 0:
        return f"expired {_days(-left)} ago"
    return "expires today" if left == 0 else f"expires in {_days(left)}"


def expiry_warning(model_id: str, expires: datetime.date, today: datetime.date | None = None) -> str | None:
    """The warning for ``model_id`` when its date is past or within NEAR_DAYS days, else None."""
    left = days_left(expires, today)
    if left < 0:
        return f"{model_id} expired on {expires} ({_days(-left)} ago); the request may fail"
    if left <= NEAR_DAYS:
        when = "today" if left == 0 else f"in {_days(left)}"
        return f"{model_id} expires on {expires} ({when}); see 'sacli models show {model_id}'"
    return None


def warn_if_expiring(base_url: str, model_id: str | None) -> None:
    """Warn on stderr when the list kept for ``base_url`` dates ``model_id`` past or near."""
    if not model_id:
        return
    from sacli.api.urls import redact_url
    from sacli.store.modelexpiry import expiry_of
    from sacli.term.stderr import MESSAGES

    expires = expiry_of(redact_url(base_url), model_id)  # the cache is keyed as prices.known_models keys it
    message = expiry_warning(model_id, expires) if expires is not None else None
    if message is not None:
        MESSAGES.warn(message)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
