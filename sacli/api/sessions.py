"""The Memory API's sessions: list, create, get, rename, delete. Data in, data out; no printing.

Replies come as ``{data: ...}`` or ``{success, data}`` (``sacli.api.client.unwrap``); unknown fields
are kept in the objects and ignored by whatever does not need them. A 404 on a session's own
URL becomes an ``ApiError`` naming the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sacli.api.client import ApiClient, require_ids, unwrap
from sacli.api.resources import Collection, NotFound
from sacli.api.retry import RETRY_STATUSES
from sacli.errors import ApiError

SESSIONS_PATH = "/api/v1/memory/sessions"

# [Assumption] The reference does not name the update method: try these in order, moving to
# the next one only when the server answers with one of RENAME_FALLBACK.
RENAME_METHODS: tuple[str, ...] = ("PATCH", "PUT")
RENAME_FALLBACK = frozenset({405})

# Creating with an ID that exists is likely a 409: retrying cannot make it succeed.
CREATE_RETRY_STATUSES = RETRY_STATUSES - {409}


class SessionNotFound(NotFound):
    noun = "session"


SESSIONS = Collection(SESSIONS_PATH, SessionNotFound)


def record_id(record: dict[str, Any]) -> Any:
    """The session's ID: ``id``, or ``sessionId`` for a server that names it so."""
    value = record.get("id")
    return value if value not in (None, "") else record.get("sessionId")


def list_sessions(api: ApiClient, *, limit: int) -> list[dict[str, Any]]:
    payload = api.call_json("GET", SESSIONS_PATH, params={"limit": limit})
    items = unwrap(payload, "sessions")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError("the session list reply holds no list of sessions")
    return items


def create_session(api: ApiClient, *, title: str | None = None, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if title is not None:
        body["title"] = title
    if session_id is not None:
        body["sessionId"] = session_id
    payload = api.call_json("POST", SESSIONS_PATH, json_body=body, retry_on=CREATE_RETRY_STATUSES)
    record = unwrap(payload, "session")
    if not isinstance(record, dict) or not isinstance(record_id(record), str) or not record_id(record):
        raise ApiError("the server created a session but its reply holds no session ID")
    return record


def get_session(api: ApiClient, session_id: str) -> dict[str, Any]:
    """The session's object; messages the server sent beside it (not inside) are added as ``messages``."""
    payload = SESSIONS.get(api, session_id)
    record = unwrap(payload, "session")
    if not isinstance(record, dict):
        raise ApiError(f"the reply for session {session_id} holds no session object")
    if "messages" not in record and isinstance(payload, dict) and isinstance(payload.get("messages"), list):
        record = {**record, "messages": payload["messages"]}
    return record


def rename_session(api: ApiClient, session_id: str, title: str) -> Any:
    """The server's reply (unwrapped; None when it sent no body)."""
    body = {"title": title}
    return unwrap(
        SESSIONS.update(api, session_id, body, methods=RENAME_METHODS, fall_back_on=RENAME_FALLBACK), "session"
    )


def delete_session(api: ApiClient, session_id: str) -> Any:
    """The server's reply (unwrapped; None for 204 or an empty body)."""
    return unwrap(SESSIONS.delete(api, session_id), "session")


def check_session_id(session: str | None, warn: Callable[[str], None]) -> None:
    """A usable ID (not empty, '.' or '..'); a warning when it is not a UUID, as memory operations may then fail."""
    if session is None:
        return
    require_ids([session], "session")
    import uuid

    try:
        uuid.UUID(session)
    except ValueError:
        warn(f"session ID {session!r} is not a UUID; the API says memory operations may fail")
