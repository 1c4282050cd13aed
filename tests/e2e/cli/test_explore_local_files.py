"""Arbitrary contents in the files sacli keeps for itself (the log, the models list and its expiry
index, the last session, the chat history) through the installed sacli: another program, a full
disk or an older sacli may have left anything there. Each run ends in its documented exit code,
never 1, with no traceback and bounded memory.

The log is explored both as any bytes and as sacli's own database with any values in its rows."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Request, Response

from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli
from tests.support.helpers import sse

MODELS = {
    "data": [{"id": "lab/m", "context_length": 1000, "pricing": {"prompt": "0.000001", "completion": "0.000002"}}]
}
# Where each file is, under the home of these tests, and the commands that read it.
FILES = {
    "log": (
        "data/sacli/logs.db",
        [
            ["logs"],
            ["logs", "--json"],
            ["logs", "-q", "hi"],
            ["logs", "show", "01"],
            ["logs", "show", "01", "--reply"],
            ["usage"],
            ["usage", "--by", "model"],
            ["stream", "hi"],
            ["stream", "--budget", "5", "hi"],
            ["stream", "--cache", "hi"],
            ["stream", "--reply-to", "01", "hi"],
            ["credits"],
        ],
    ),
    "models": ("cache/sacli/models.json", [["models"], ["models", "show", "lab/m"], ["stream", "-m", "lab/m", "hi"]]),
    "expiry": ("cache/sacli/model-expiry.json", [["stream", "-m", "lab/m", "hi"], ["models"]]),
    "last session": ("state/sacli/last-session", [["stream", "--continue", "hi"], ["sessions", "list"]]),
    "history": ("state/sacli/history", [["chat", "--no-stdin"]]),
}
CONTENTS = st.one_of(
    st.binary(max_size=600),
    HOSTILE_JSON.map(str.encode),
    json_values().map(lambda value: json.dumps(value).encode()),
    st.sampled_from([b"SQLite format 3\x00" + b"\xff" * 4000, b"\xef\xbb\xbf{}", b"\n" * 1000, b"\0" * 100]),
)


def answering(request: Request) -> Response:
    if request.path.endswith("/chat/completions"):
        return Response(sse("ok"), content_type="text/event-stream")
    if request.path.endswith("/models"):
        return Response(json.dumps(MODELS), content_type="application/json")
    return Response('{"data": []}', content_type="application/json")


@pytest.fixture
def home(scripted: Scripted, explore_home: Path) -> Path:
    scripted.answer(answering)
    return explore_home / "local-files"


def environment(scripted: Scripted, home: Path) -> dict[str, str]:
    env = scripted.env(home)
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def fresh(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)


@EXPLORE
@given(which=st.sampled_from(sorted(FILES)), content=CONTENTS, data=st.data())
def test_any_bytes_in_a_file_sacli_keeps(
    home: Path, scripted: Scripted, which: str, content: bytes, data: st.DataObject
) -> None:
    fresh(home)
    where, commands = FILES[which]
    path = home / where
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    command = data.draw(st.sampled_from(commands))
    outcome = sacli([*command[:1], *command[1:]], environment(scripted, home), stdin=b"/exit\n")
    assert_clean(outcome)


COLUMN_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-13-45", "", "null", "[" * 3000]),
    HOSTILE_JSON,
)


@EXPLORE
@given(values=st.lists(COLUMN_VALUES, min_size=40, max_size=40), command=st.sampled_from(FILES["log"][1]))
def test_any_values_in_the_rows_of_the_log(
    home: Path, scripted: Scripted, values: list[Any], command: list[str]
) -> None:
    fresh(home)
    env = environment(scripted, home)
    assert_clean(sacli(["stream", "hi"], env))  # the log, made by sacli itself
    log = home / FILES["log"][0]
    with sqlite3.connect(log) as db:
        columns = [
            (row[1], row[3]) for row in db.execute("PRAGMA table_info(exchanges)") if row[1] not in ("rowid", "id")
        ]
        given = [
            "" if required and value is None else value for (_, required), value in zip(columns, values, strict=False)
        ]
        assignments = ", ".join(f'"{name}" = ?' for name, _ in columns)
        db.execute(f"UPDATE exchanges SET {assignments}", given[: len(columns)])
        (exchange_id,) = db.execute("SELECT id FROM exchanges").fetchone()
    db.close()
    command = [exchange_id if word == "01" else word for word in command]
    assert_clean(sacli(command, env))
