"""An error the server reports inside a reply whose status (200) is already sent: a chunk with a
top-level ``error`` (``code`` a number equal to the HTTP status it stands for, or a name such as
``"server_error"``; ``metadata.error_type``, ``metadata.provider_code``), or a completion body with
one. It gets the exit code its HTTP status would have, is retried before the first byte of the
answer as that status would be, and its ``availability`` becomes a hint.

[Assumption] ``availability`` (OpenRouter, 2026-08) is read from ``error.availability`` or
``error.metadata.availability``: ``code`` (capacity_exhausted, model_deprecated, free_variant_ended,
...), ``retryable``, ``retry_after`` (seconds), ``fallback_models``, ``excluded_by``, and a date
(``deprecation_date``, ``ends_at`` or ``date``). Any other shape is left out; the message stands.
"""

from __future__ import annotations

from typing import Any

from sacli.api.errorbodies import error_message, spending_limit
from sacli.api.retry import RETRY_STATUSES
from sacli.errors import ApiError, AuthError, RateLimitError, SacliError, SpendingLimit

# The names the service and OpenRouter give to what an HTTP status says (the streaming page's
# "server_error", the error table's "rate_limit_exceeded", metadata.error_type's values).
NAMED_STATUS = {
    **dict.fromkeys(
        ("bad_request", "invalid_request", "invalid_request_error", "invalid_model", "context_length_exceeded"), 400
    ),
    **dict.fromkeys(("unauthorized", "authentication_error", "invalid_api_key"), 401),
    **dict.fromkeys(("payment_required", "insufficient_credits", "insufficient_quota"), 402),
    **dict.fromkeys(("forbidden", "permission_denied", "moderation", "guardrail"), 403),
    **dict.fromkeys(("timeout", "request_timeout"), 408),
    **dict.fromkeys(("rate_limit_exceeded", "rate_limit_error", "rate_limited", "too_many_requests"), 429),
    **dict.fromkeys(("server_error", "internal_error", "internal_server_error"), 500),
    **dict.fromkeys(("bad_gateway", "provider_error", "upstream_error"), 502),
    **dict.fromkeys(
        ("service_unavailable", "overloaded", "provider_overloaded", "capacity_exhausted", "no_available_provider"),
        503,
    ),
}
TEXT_LIMIT = 120


def stream_error(payload: dict[str, Any]) -> SacliError:
    """The error of a reply that carries one (``payload["error"]``), as its HTTP status would be."""
    error = payload.get("error")
    details = error if isinstance(error, dict) else {}
    metadata = details.get("metadata") if isinstance(details.get("metadata"), dict) else {}
    status = status_of(details.get("code"), metadata.get("error_type"), details.get("type"))
    message = f"the server reported an error: {error_message(error, payload) or 'no details'}"
    provider = _text(metadata.get("provider_name"))
    provider_code = metadata.get("provider_code")
    if provider or _scalar(provider_code):
        said = " ".join(part for part in (provider, _scalar(provider_code) and f"code {provider_code}") if part)
        message += f" ({said})"
    availability = availability_of(details, metadata)
    hint = availability_hint(availability) if availability else None
    retryable = status in RETRY_STATUSES
    if availability and isinstance(availability.get("retryable"), bool):
        retryable = availability["retryable"]
    found: SacliError
    if status == 402 or (status == 403 and spending_limit(payload) is not None):
        found = SpendingLimit(message, hint=hint or "a spending limit was reached", retryable=False)
    elif status in (401, 403):
        found = AuthError(message, hint=hint)
    elif status == 429:
        found = RateLimitError(message, hint=hint, retryable=retryable)
    else:
        found = ApiError(message, hint=hint, retryable=retryable)
    found.status = status
    wait = availability.get("retry_after") if availability else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and 0 <= wait < 1e9:
        found.retry_after = float(wait)
    found.summary = f"the server reported {'HTTP ' + str(status) if status else 'an error'} in the reply"
    return found


def status_of(code: Any, error_type: Any = None, kind: Any = None) -> int | None:
    """The HTTP status an in-reply error stands for: its numeric ``code``, else what its names say."""
    if type(code) is int and 400 <= code <= 599:
        return code
    if isinstance(code, str) and code.isdigit() and 400 <= int(code) <= 599:
        return int(code)
    for name in (code, error_type, kind):
        if isinstance(name, str) and name.lower() in NAMED_STATUS:
            return NAMED_STATUS[name.lower()]
    return None


def availability_of(error: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any] | None:
    found = error.get("availability", metadata.get("availability"))
    return found if isinstance(found, dict) else None


def availability_hint(availability: dict[str, Any]) -> str | None:
    """What ``availability`` tells the user to do, as a hint: other models to try, a date, an exclusion."""
    code = _text(availability.get("code"))
    parts = [code.replace("_", " ")] if code else []
    date = next((d for key in ("deprecation_date", "ends_at", "date") if (d := _text(availability.get(key)))), None)
    if date:
        parts[-1:] = [f"{parts[-1] if parts else 'unavailable'} on {date}"]
    excluded = availability.get("excluded_by")
    if isinstance(excluded, list):
        excluded = ", ".join(_text(item) or "" for item in excluded[:5] if _text(item))
    if _text(excluded):
        parts.append(f"excluded by {_text(excluded)}")
    fallbacks = availability.get("fallback_models")
    models = [m for m in (_text(item) for item in fallbacks[:3]) if m] if isinstance(fallbacks, list) else []
    if models:
        parts.append("try " + " or ".join(f"-m {model}" for model in models))
    return "; ".join(parts) or None


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 3] + "..."


def _scalar(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip()) and len(value) <= TEXT_LIMIT) or (
        type(value) is int and abs(value) < 10**12
    )
