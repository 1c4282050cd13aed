"""``--cache``: a request the local log has seen succeed within the TTL is answered from it, replayed
through the reader a live reply goes through (so stdout, ``--json`` and the log are as for a live
one), at once and for nothing. A request that is not found goes to the server with OpenRouter's
cache headers, and the server's ``X-OpenRouter-Cache-Status`` is shown and logged.

A request is the same when its base URL and its body are, but for what only steers the reply's
transport (``stream``, ``stream_options``, ``usage``). Never answered from the cache: failures,
replies cut short or stopped by a filter, tool calls waiting for their results (the log keeps
only such exchanges out of the lookup), and a request with a temperature above 0 unless
``--cache`` was given on the command line.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sacli.chat.logreplay import recording_of

TRANSPORT_KEYS = ("stream", "stream_options", "usage")
SERVER_CACHE_HEADERS = ("X-OpenRouter-Cache", "X-OpenRouter-Cache-TTL")


def request_key(base_url: str, body: dict[str, Any]) -> str:
    same = {key: value for key, value in body.items() if key not in TRANSPORT_KEYS}
    text = json.dumps({"base_url": base_url, "body": same}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ReplyCache:
    def __init__(self, log_path: Path, ttl_seconds: float, *, explicit: bool) -> None:
        """``explicit``: --cache was given on the command line (a temperature above 0 may then be cached)."""
        self.log_path = log_path
        self.ttl_seconds = ttl_seconds
        self.explicit = explicit

    def wanted(self, body: dict[str, Any]) -> bool:
        """Whether ``body`` may be answered from the cache: not in a session (its memory changes with each
        turn), and not with a temperature above 0 unless --cache was given on the command line."""
        if body.get("sessionId") is not None:
            return False
        temperature = body.get("temperature")
        return self.explicit or temperature is None or (isinstance(temperature, int | float) and temperature <= 0)

    def lookup(self, base_url: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The logged exchange that answers ``body``; None when there is none (or the log cannot be read)."""
        from sacli.store.logdb import LogUnavailable
        from sacli.store.logquery import cached

        if not self.wanted(body):
            return None
        since = datetime.now(UTC) - timedelta(seconds=self.ttl_seconds)
        try:
            return cached(self.log_path, request_key(base_url, body), since.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        except (LogUnavailable, OverflowError):
            return None

    def server_headers(self) -> dict[str, str]:
        """What asks OpenRouter's own cache for the answer, for as long as ours keeps it."""
        return dict(zip(SERVER_CACHE_HEADERS, ("true", str(int(self.ttl_seconds))), strict=True))


def replayed(row: dict[str, Any]) -> list[bytes]:
    """The logged exchange as the event stream it came as, costing nothing: what the reader reads again."""
    usage = row.get("usage") if isinstance(row.get("usage"), dict) else {}
    return [piece for _, piece in recording_of({**row, "usage": {**usage, "cost": 0}}).chunks]


def answered_from(row: dict[str, Any]) -> str:
    """The notice of an answer from the cache."""
    from sacli.term.timefmt import human_time

    when = human_time(row.get("started_at"))
    return f"answered from the local cache: exchange {row['id'][:12]} of {when} (--no-cache asks again)"
