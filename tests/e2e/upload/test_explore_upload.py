"""Files of any name, and any reply to an upload, through the installed sacli."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli, shaped_like

NAMES = st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b and b"/" not in b and b not in (b".", b".."))
UPLOADED = {"success": True, "data": {"fileId": "f1", "filename": "a", "status": "processing", "size": 3}}


@EXPLORE
@given(name=NAMES, reply=st.one_of(shaped_like(UPLOADED).map(json.dumps), HOSTILE_JSON, json_values().map(json.dumps)))
def test_any_file_name_and_any_reply(scripted: Scripted, explore_home: Path, name: bytes, reply: str) -> None:
    scripted.answer(lambda request: Response(reply, content_type="application/json"))
    folder = tempfile.mkdtemp(dir=explore_home)
    path = os.path.join(os.fsencode(folder), name)
    with open(path, "wb") as file:
        file.write(b"abc")
    assert_clean(sacli(["upload", "--retries", "0", path], scripted.env(explore_home)))
