"""Recordings for ``--replay``, written by the tests: a reply whose pieces come at a set pace.

A replay gives each piece at the time it is recorded at, so a test can show what a slow model
looks like on a terminal (a spinner, reasoning that comes in pieces) with no server at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.helpers import chunk, event

CHAT = "/api/v1/chat/completions"


def thought(text: str) -> dict[str, Any]:
    """A chunk of reasoning, as OpenRouter sends it."""
    return {**chunk(), "choices": [{"index": 0, "delta": {"content": "", "reasoning": text}, "finish_reason": None}]}


def exchange(
    pieces: list[dict[str, Any] | bytes], *, first: float = 10.0, every: float = 10.0, path: str = CHAT
) -> dict[str, Any]:
    """One streamed reply: each chunk (or raw bytes) an event, the first at ``first`` ms, then one every
    ``every`` ms, then the finish and ``[DONE]``."""
    events = [piece if isinstance(piece, bytes) else event(piece) for piece in pieces]
    events.append(event(chunk("", finish="stop")) + b"data: [DONE]\n\n")
    return {
        "sacli_record": 1,
        "method": "POST",
        "path": path,
        "query": "",
        "request_headers": {},
        "request_body": None,
        "status": 200,
        "reason": "OK",
        "headers": [["Content-Type", "text/event-stream"]],
        "at": 1.0,
        "chunks": [[first + n * every, data.decode()] for n, data in enumerate(events)],
        "end": "eof",
    }


def write_tape(path: Path, *exchanges: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(one) + "\n" for one in exchanges))
    return path
