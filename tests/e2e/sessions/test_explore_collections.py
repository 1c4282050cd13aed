"""Arbitrary replies to the listing, showing, updating and deleting commands (sessions, facts, files,
models), on a terminal and in a pipe, through the installed sacli."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli, shaped_like

SESSION = {"id": "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60", "title": "t", "createdAt": "2026-01-01T00:00:00Z",
           "messageCount": 2, "messages": [{"role": "user", "content": "hi", "createdAt": 1700000000}]}  # fmt: skip
FACT = {"id": "f1", "content": "c", "category": "k", "level": "user", "createdAt": "2026-01-01", "score": 0.5}
FILE = {"fileId": "f1", "filename": "a.txt", "status": "processed", "size": 5, "uploadedAt": "2026-01-01T00:00:00Z"}
MODEL = {"id": "m/1", "name": "M", "context_length": 1000, "pricing": {"prompt": "0.000001", "completion": "x"}}

COMMANDS = {
    "sessions list": (["sessions", "list"], {"data": [SESSION]}),
    "sessions show": (["sessions", "show", SESSION["id"]], {"data": SESSION}),
    "sessions create": (["sessions", "create"], {"data": SESSION}),
    "facts list": (["facts", "list"], {"success": True, "data": [FACT], "pagination": {"hasMore": False}}),
    "facts search": (["facts", "search", "q"], {"success": True, "data": [FACT]}),
    "facts add": (["facts", "add", "c"], {"success": True, "data": FACT}),
    "files list": (["files", "list"], {"files": [FILE]}),
    "models": (["models", "--refresh"], {"data": [MODEL]}),
    "sessions rename": (["sessions", "rename", SESSION["id"], "t"], {"data": SESSION}),
    "sessions delete": (["sessions", "delete", "--yes", SESSION["id"]], {"success": True, "message": "deleted"}),
    "facts update": (["facts", "update", "f1", "c"], {"success": True, "data": FACT}),
    "facts delete": (["facts", "delete", "--yes", "f1", "f2"], {"success": True, "message": "deleted"}),
    "files update": (["files", "update", "f1", "--category", "c"], {"success": True, "data": FILE}),
    "files delete": (["files", "delete", "--yes", "f1"], {"success": True, "message": "deleted"}),
}


@EXPLORE
@given(
    name=st.sampled_from(sorted(COMMANDS)),
    reply=st.data(),
    json_out=st.booleans(),
    status=st.sampled_from([200, 200, 200, 204, 404, 405, 500]),
)
def test_any_reply_to_a_listing_or_showing_command(
    scripted: Scripted, explore_home: Path, name: str, reply: st.DataObject, json_out: bool, status: int
) -> None:
    args, template = COMMANDS[name]
    body = reply.draw(st.one_of(shaped_like(template).map(json.dumps), HOSTILE_JSON, json_values().map(json.dumps)))
    scripted.answer(lambda request: Response(body, status=status, content_type="application/json"))
    outcome = sacli([*args, "--retries", "0", *(["--json"] if json_out else [])], scripted.env(explore_home))
    assert_clean(outcome)
