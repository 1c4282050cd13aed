"""JSON calls to the Memory and RAG APIs, with their differing envelopes read tolerantly."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sacli.api.errorbodies import error_message
from sacli.api.retry import RETRY_STATUSES
from sacli.commands.connection import Runtime
from sacli.errors import ApiError, SacliError, UsageError

T = TypeVar("T")

if TYPE_CHECKING:
    from sacli.api.transport import Response, Transport


# IDs that, as a path segment, would name the collection itself or its parent (DELETE /api/rag/files/..).
UNSAFE_IDS = frozenset({"", ".", ".."})


def require_ids(ids: Sequence[str], what: str) -> list[str]:
    """Each ID once, in the order given; an empty, '.' or '..' ID is a usage error before anything is sent."""
    for value in ids:
        if value.strip() in UNSAFE_IDS:
            raise UsageError(f"invalid {what} ID {value!r}: an ID cannot be empty, '.' or '..'")
    return list(dict.fromkeys(ids))


def call_json(
    runtime: Runtime,
    transport: Transport,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    params: Any = None,
    require: str = "super_agent",
    retry_on: frozenset[int] | None = None,
) -> Any:
    """``method`` on ``{api root}{path}``; the decoded JSON body (None for an empty body)."""
    headers = runtime.headers(require=require, Accept="application/json")
    return transport.request(
        method,
        runtime.settings.api_root + path,
        json=json_body,
        params=params,
        headers=headers,
        handle=decode_json_reply,
        retry_on=RETRY_STATUSES if retry_on is None else retry_on,
    )


def decode_json_reply(response: Response) -> Any:
    from sacli.api.transport import read_json_body

    body = read_json_body(response)
    if not body.strip():
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        raise ApiError(f"the reply from {response.url.path} is not valid JSON") from None
    if isinstance(payload, dict) and payload.get("success") is False:
        raise ApiError(f"the server reported an error: {error_message(payload.get('error'), payload) or 'no details'}")
    return payload


def first_accepted(
    attempts: Sequence[tuple[str, Callable[[], T]]], *, fall_back_on: frozenset[int], runtime: Runtime
) -> T:
    """Each ``(label, call)`` in turn while the server answers with a status in ``fall_back_on``.

    For endpoints whose method or path the API reference only assumes: when no form is accepted,
    the first form's error is the one reported (a 404 for the documented path says more than a
    405 for a guessed one). Any other error is final at once.
    """
    first_error: SacliError | None = None
    for label, call in attempts:
        try:
            return call()
        except SacliError as error:
            if error.status not in fall_back_on:
                raise
            first_error = first_error or error
            runtime.messages.debug(f"{label} answered {error.status}; trying the next form")
    assert first_error is not None, "no attempts given"
    raise first_error


def unwrap(payload: Any, *keys: str) -> Any:
    """The payload inside ``{data: ...}`` / ``{success, data}`` / ``{<key>: ...}``, or the payload itself."""
    if isinstance(payload, dict):
        for key in ("data", *keys):
            if key in payload:
                return payload[key]
    return payload
