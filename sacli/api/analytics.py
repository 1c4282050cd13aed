"""The memory analytics (reference section 7): stats, timeline, storage, access patterns. Data in, data out.

Like the facts, the paths hang off the API root with no ``/v1`` segment, need the Super Agent
key, and come in ``{success, data}`` envelopes. Each function returns the ``data`` the server
sent, checked only for its shape (an object, or a list of objects); what the fields hold is
read by whoever shows them.
"""

from __future__ import annotations

from typing import Any

from sacli.api.client import ApiClient, unwrap
from sacli.errors import ApiError

ANALYTICS_PATH = "/api/dashboard/memory"
GROUPS = ("hour", "day", "week", "month")  # the timeline's groupBy


def memory_stats(api: ApiClient) -> dict[str, Any]:
    """Totals: ``totalCount``, ``byCategory``, ``byLevel``, ``bySource``, ``recentActivity``."""
    return _record(api.call_json("GET", f"{ANALYTICS_PATH}/stats"), "the memory stats")


def memory_timeline(api: ApiClient, *, group_by: str, days: int) -> list[dict[str, Any]]:
    """``{date, count}`` per period of the last ``days`` days."""
    params = {"groupBy": group_by, "days": days}
    return _records(api.call_json("GET", f"{ANALYTICS_PATH}/timeline", params=params), "the memory timeline")


def memory_storage(api: ApiClient) -> dict[str, Any]:
    """Bytes used and allowed, the percent used, the number of facts and their average size."""
    return _record(api.call_json("GET", f"{ANALYTICS_PATH}/storage"), "the memory storage")


def access_patterns(api: ApiClient, *, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` facts read most often: ``id``, ``content``, ``accessCount``, ``lastAccessedAt``."""
    payload = api.call_json("GET", f"{ANALYTICS_PATH}/access-patterns", params={"limit": limit})
    return _records(payload, "the access patterns")


def _record(payload: Any, what: str) -> dict[str, Any]:
    record = unwrap(payload)
    if not isinstance(record, dict):
        raise ApiError(f"the reply to {what} holds no JSON object")
    return record


def _records(payload: Any, what: str) -> list[dict[str, Any]]:
    items = unwrap(payload)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(f"the reply to {what} holds no list of objects")
    return items
