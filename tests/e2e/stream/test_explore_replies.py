"""Arbitrary replies and arguments through the installed sacli: chunks, completions, error bodies,
usage, tool calls and reasoning of any shape, and arguments, headers and keys of any bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.support.explore import (
    EXPLORE,
    HOSTILE_JSON,
    Scripted,
    assert_clean,
    json_values,
    sacli,
    shaped_like,
)
from tests.support.helpers import chunk, completion
from tests.support.schemas import events_of

CHUNK = {
    **chunk("text"),
    "choices": [
        {
            "index": 0,
            "delta": {
                "role": "assistant",
                "content": "text",
                "reasoning": "why",
                "reasoning_details": [{"type": "reasoning.text", "text": "why"}],
                "tool_calls": [
                    {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": "{"}}
                ],
            },
            "finish_reason": None,
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.1},
}
COMPLETION = {
    **completion("text"),
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "text",
                "tool_calls": CHUNK["choices"][0]["delta"]["tool_calls"],
            },
            "finish_reason": "stop",
        }
    ],
}
PAYLOADS = st.one_of(
    shaped_like(CHUNK).map(json.dumps), HOSTILE_JSON, json_values().map(json.dumps), st.text(max_size=40)
)
FIELD_LINES = st.sampled_from([b"", b"event: error\n", b"retry: 99999999999999999999\n", b"id: \x00\n", b": hi\n"])
STREAM_COMMANDS = [
    ["stream", "hi"],
    ["stream", "--json", "hi"],
    ["chat", "hi"],
    ["chat", "--json", "--usage", "hi"],
    ["stream", "--show-reasoning", "--usage", "hi"],
    ["stream", "--schema", '{"type": "object"}', "hi"],
]


@st.composite
def event_streams(draw: st.DrawFn) -> bytes:
    events = draw(st.lists(st.tuples(FIELD_LINES, PAYLOADS), max_size=6))
    body = b"".join(field + b"data: " + payload.encode("utf-8", "surrogatepass") + b"\n\n" for field, payload in events)
    ending = draw(st.sampled_from([b"data: [DONE]\n\n", b"", b"data: [DONE]", b"\r\n\r"]))
    return body + ending


@EXPLORE
@given(body=event_streams(), args=st.sampled_from(STREAM_COMMANDS))
def test_any_event_stream(scripted: Scripted, explore_home: Path, body: bytes, args: list[str]) -> None:
    scripted.answer(lambda request: Response(body, content_type="text/event-stream"))
    assert_clean(sacli([*args[:1], "--retries", "0", *args[1:]], scripted.env(explore_home)))


@EXPLORE
@given(
    body=st.one_of(shaped_like(COMPLETION).map(json.dumps), HOSTILE_JSON, st.binary(max_size=200).map(repr)),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/problem+json"]),
    args=st.sampled_from([["stream", "--no-stream", "hi"], ["chat", "hi"], ["chat", "--json", "hi"]]),
)
def test_any_completion(scripted: Scripted, explore_home: Path, body: str, content_type: str, args: list[str]) -> None:
    scripted.answer(lambda request: Response(body, content_type=content_type or None))
    assert_clean(sacli([*args[:1], "--retries", "0", *args[1:]], scripted.env(explore_home)))


@EXPLORE
@given(
    status=st.sampled_from([400, 401, 402, 403, 404, 405, 408, 409, 413, 429, 500, 502, 503, 504]),
    body=st.one_of(
        shaped_like({"error": {"message": "no", "code": 429, "metadata": {"raw": "x"}}}).map(json.dumps),
        HOSTILE_JSON,
        st.text(max_size=80),
        st.just("<html><style>x</style><body>Bad gateway</body></html>"),
    ),
    retry_after=st.one_of(st.none(), st.text(max_size=12)),
    args=st.sampled_from([["stream", "hi"], ["chat", "--json", "hi"], ["sessions", "list"], ["models", "--refresh"]]),
)
def test_any_error_reply(
    scripted: Scripted, explore_home: Path, status: int, body: str, retry_after: str | None, args: list[str]
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after.encode("ascii", "replace").decode()}
    scripted.answer(lambda request: Response(body, status=status, headers=headers, content_type="application/json"))
    outcome = sacli([*args[:1], "--retries", "0", *args[1:]], scripted.env(explore_home))
    assert_clean(outcome)
    assert outcome.code != 0


ARGUMENT_BYTES = st.binary(min_size=0, max_size=30).filter(lambda b: b"\0" not in b)


@EXPLORE
@given(
    value=ARGUMENT_BYTES,
    place=st.sampled_from(["prompt", "system", "header", "model", "title", "fact", "param", "session", "tool-choice"]),
)
def test_any_argument_bytes(scripted: Scripted, explore_home: Path, value: bytes, place: str) -> None:
    scripted.answer(lambda request: Response(b"data: [DONE]\n\n", content_type="text/event-stream"))
    args: list[Any] = {
        "prompt": ["stream", value],
        "system": ["stream", "-s", value, "hi"],
        "header": ["stream", "-H", b"X-Test: " + value, "hi"],
        "model": ["stream", "-m", value, "hi"],
        "title": ["sessions", "create", "--title", value],
        "fact": ["facts", "add", value],
        "param": ["stream", "-p", b"x=" + value, "hi"],
        "session": ["stream", "--session", value, "hi"],
        "tool-choice": ["stream", "--tool-choice", value, "hi"],
    }[place]
    assert_clean(sacli(args, scripted.env(explore_home)))


@EXPLORE
@given(key=ARGUMENT_BYTES, which=st.sampled_from(["OPENROUTER_KEY", "SUPER_AGENT_KEY"]))
def test_any_key_bytes(scripted: Scripted, explore_home: Path, key: bytes, which: str) -> None:
    scripted.answer(lambda request: Response(b"data: [DONE]\n\n", content_type="text/event-stream"))
    env: dict[Any, Any] = {k.encode(): v.encode() for k, v in scripted.env(explore_home).items()}
    env[which.encode()] = key
    assert_clean(sacli(["stream", "hi"], env))


ERROR_IN_REPLY = {
    "error": {
        "code": 503,
        "message": "Provider overloaded",
        "metadata": {
            "error_type": "provider_overloaded",
            "provider_name": "Lab",
            "provider_code": "overloaded",
            "availability": {
                "code": "capacity_exhausted",
                "retryable": True,
                "retry_after": 1,
                "fallback_models": ["a/b", "c/d"],
                "excluded_by": ["provider.ignore"],
                "deprecation_date": "2026-12-31",
            },
        },
    },
    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
}


@EXPLORE
@given(
    error=st.one_of(shaped_like(ERROR_IN_REPLY), HOSTILE_JSON.map(lambda text: {"error": text})),
    before=st.sampled_from([b"", b'data: {"choices":[{"delta":{"content":"Partial "}}]}\n\n']),
    args=st.sampled_from([["stream", "hi"], ["stream", "--events", "hi"], ["chat", "hi"]]),
)
def test_any_error_in_a_reply(
    scripted: Scripted, explore_home: Path, error: Any, before: bytes, args: list[str]
) -> None:
    payload = json.dumps(error) if not isinstance(error, str) else error
    body = before + b"data: " + payload.encode("utf-8", "surrogatepass") + b"\n\n"
    scripted.answer(lambda request: Response(body, content_type="text/event-stream"))
    outcome = sacli([*args[:1], "--retries", "1", *args[1:]], scripted.env(explore_home))
    assert_clean(outcome)
    assert scripted.requests <= 2  # one retry at most, as --retries 1 says
    if "--events" in args:  # each event valid, one end, last, with the process's exit code
        found = events_of(outcome.stdout, outcome.code)
        assert (found[-1]["status"] == "ok") == (outcome.code == 0)
