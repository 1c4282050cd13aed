"""``--debug``: each request and each reply's status and headers on stderr, secrets hidden."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from sacli.api.headers import redact_header
from sacli.api.urls import redact_url

DEBUG_BODY_LIMIT = 2000


def log_request(say: Callable[[str], None], request: Any, body: bytes | None) -> None:
    say(f"> {request.method} {redact_url(str(request.url))}")
    for name, value in decoded(request.headers.raw):
        say(f"> {name}: {redact_header(name, value)}")
    if body is not None:
        text = body.decode("utf-8", "replace")
        say(f"> body: {text if len(text) <= DEBUG_BODY_LIMIT else text[:DEBUG_BODY_LIMIT] + '...'}")


def log_response(say: Callable[[str], None], response: Any, started: float) -> None:
    elapsed = time.monotonic() - started
    say(f"< {response.http_version} {response.status_code} {response.reason_phrase} ({elapsed:.3f} s)")
    for name, value in decoded(response.headers.raw):
        say(f"< {name}: {redact_header(name, value)}")


def decoded(raw: list[tuple[bytes, bytes]]) -> Iterator[tuple[str, str]]:
    """Header lines as they go over the wire (names in their own case)."""
    for name, value in raw:
        yield name.decode("latin-1"), value.decode("utf-8", "replace")
