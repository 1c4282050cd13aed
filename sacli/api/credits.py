"""The key's own spending limit and usage: ``GET {base}/key``, OpenRouter's record of the key.

[Assumption] The service forwards OpenRouter's key endpoint. One that does not (a 404 or 405) is
said in one line, as an API error.
"""

from __future__ import annotations

from typing import Any

from sacli.api.client import ApiClient, unwrap
from sacli.errors import ApiError, SacliError

FIELDS = ("label", "limit", "limit_remaining", "limit_reset", "usage", "usage_daily", "usage_weekly", "usage_monthly")


def key_status(api: ApiClient) -> dict[str, Any]:
    """What the server says of the key: its limit, what remains, its usage (the fields it sends)."""
    try:
        payload = api.get_base_json("/key", require="any")
    except SacliError as error:
        if error.status in (404, 405):
            raise ApiError(
                f"the server at {api.settings.base_url} does not tell a key's limit and usage (HTTP {error.status})",
                hint="the key's limit is on its provider's dashboard",
            ) from None
        raise
    record = unwrap(payload)
    if not isinstance(record, dict):
        raise ApiError("the key's record is not a JSON object")
    return record
