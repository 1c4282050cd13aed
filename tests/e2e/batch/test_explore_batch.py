"""Arbitrary batch lines, --resume files, replay files and the user's JSON files through the installed sacli."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli, shaped_like
from tests.support.helpers import sse

LINE = {"id": "a", "prompt": "p", "model": "m", "system": "s", "temperature": 1, "max_tokens": 5,
        "schema": {"type": "object"}, "messages": [{"role": "user", "content": "x"}]}  # fmt: skip
MODELS_LINE = {"id": "a", "prompt": "p", "models": ["m1", "m2"]}
RECORD = {"id": "a", "text": "t", "finish_reason": "stop", "usage": None, "error": None}
NEW_RECORD = {
    "id": "a", "line": 1, "dup": 2, "model_asked": "m", "text": "t", "finish_reason": "stop", "usage": None,
    "error": None, "status": "ok", "exit_code": 0, "cost": 0.1, "retries": 0, "duration_ms": 1.0,
    "first_token_ms": 0.5, "schema_ok": True,
}  # fmt: skip
MODEL_IDS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12)
TAPE = {
    "sacli_record": 1, "method": "POST", "path": "/api/v1/chat/completions", "query": "", "request_headers": {},
    "request_body": None, "status": 200, "reason": "OK", "headers": [["Content-Type", "text/event-stream"]],
    "at": 1.0, "chunks": [[2.0, sse("hi").decode()]], "end": "eof",
}  # fmt: skip
LINES = st.one_of(shaped_like(LINE).map(json.dumps), HOSTILE_JSON, json_values().map(json.dumps), st.text(max_size=30))


def answered(scripted: Scripted) -> None:
    scripted.answer(lambda request: Response(sse("ok"), content_type="text/event-stream"))


@EXPLORE
@given(lines=st.lists(LINES, max_size=5), ordered=st.booleans())
def test_any_batch_lines(scripted: Scripted, explore_home: Path, lines: list[str], ordered: bool) -> None:
    answered(scripted)
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    outcome = sacli(["batch", "-P", "2", *(["--ordered"] if ordered else [])], scripted.env(explore_home), stdin=data)
    assert_clean(outcome, codes={0, 2, 10})
    for line in outcome.stdout.splitlines():
        assert isinstance(json.loads(line), dict)  # every record whole


RECORDS = st.one_of(shaped_like(RECORD).map(json.dumps), shaped_like(NEW_RECORD).map(json.dumps), LINES)


@EXPLORE
@given(lines=st.lists(RECORDS, max_size=5), missing_ok=st.booleans())
def test_any_resume_file(scripted: Scripted, explore_home: Path, lines: list[str], missing_ok: bool) -> None:
    answered(scripted)
    with tempfile.NamedTemporaryFile("wb", dir=explore_home, suffix=".jsonl", delete=False) as file:
        file.write("\n".join(lines).encode("utf-8", "surrogatepass"))
    items = b'{"id": "a", "prompt": "x"}\n{"id": "b", "prompt": "y"}\n{"prompt": "z"}\n'
    args = ["batch", "--resume", file.name, *(["--resume-missing-ok"] if missing_ok else [])]
    outcome = sacli(args, scripted.env(explore_home), stdin=items)
    assert_clean(outcome, codes={0, 2, 10})
    if outcome.code != 2:
        for line in outcome.stdout.splitlines():
            assert isinstance(json.loads(line), dict)


@EXPLORE
@given(lines=st.lists(RECORDS, max_size=5))
def test_any_records_to_summarise(scripted: Scripted, explore_home: Path, lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    outcome = sacli(["batch", "summary", "--json"], scripted.env(explore_home), stdin=data)
    assert_clean(outcome, codes={0, 2})
    assert scripted.requests == 0
    if outcome.code == 0:
        assert isinstance(json.loads(outcome.stdout)["models"], list)


@EXPLORE
@given(
    models=st.lists(MODEL_IDS, min_size=1, max_size=4),
    lines=st.lists(st.one_of(shaped_like(MODELS_LINE).map(json.dumps), LINES), max_size=4),
    shard=st.sampled_from([None, "1/2", "2/3"]),
)
def test_any_models_lists(
    scripted: Scripted, explore_home: Path, models: list[str], lines: list[str], shard: str | None
) -> None:
    answered(scripted)
    args = ["batch", "-P", "2", *(arg for model in models for arg in ("-m", model))]
    args += ["--shard", shard] if shard else []
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    outcome = sacli(args, scripted.env(explore_home), stdin=data)
    assert_clean(outcome, codes={0, 2, 10})
    for line in outcome.stdout.splitlines():
        assert isinstance(json.loads(line), dict)


@EXPLORE
@given(lines=st.lists(st.one_of(shaped_like(TAPE).map(json.dumps), HOSTILE_JSON, st.text(max_size=30)), max_size=3))
def test_any_replay_file(scripted: Scripted, explore_home: Path, lines: list[str]) -> None:
    scripted.answer(lambda request: Response("a replay must not ask", status=500))
    with tempfile.NamedTemporaryFile("wb", dir=explore_home, suffix=".jsonl", delete=False) as file:
        file.write("\n".join(lines).encode("utf-8", "surrogatepass"))
    outcome = sacli(["stream", "--replay", file.name, "--replay-speed", "0", "hi"], scripted.env(explore_home))
    assert_clean(outcome)
    assert scripted.requests == 0  # a replay never reaches a server


USER_JSON = st.one_of(
    shaped_like({"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "string"}}}),
    shaped_like([{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]),
    json_values(),
)


@EXPLORE
@given(
    value=st.one_of(USER_JSON.map(json.dumps), HOSTILE_JSON),
    option=st.sampled_from(["--schema", "--tools", "--metadata"]),
)
def test_any_json_the_user_gives(scripted: Scripted, explore_home: Path, value: str, option: str) -> None:
    answered(scripted)
    with tempfile.NamedTemporaryFile("w", dir=explore_home, suffix=".json", delete=False) as file:
        file.write(value)
    args: dict[str, list[Any]] = {
        "--schema": ["stream", "--schema", f"@{file.name}", "hi"],
        "--tools": ["stream", "--tools", file.name, "hi"],
        "--metadata": ["upload", "--metadata", value, file.name],
    }
    assert_clean(sacli(args[option], scripted.env(explore_home)))
