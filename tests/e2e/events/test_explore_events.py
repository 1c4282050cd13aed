"""Arbitrary server streams and completions through ``--events``: whatever comes in, every line is an
event the shipped schema accepts, there is exactly one ``end``, it is last, and its exit code is the
process's; the deltas add up to the length the end reports."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from tests.e2e.stream.test_explore_replies import COMPLETION, event_streams
from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, sacli, shaped_like
from tests.support.schemas import events_of, text_of

COMMANDS = [
    ["stream", "--events", "hi"],
    ["stream", "--events", "--schema", '{"type": "object"}', "hi"],
    ["chat", "--events", "hi"],
]


def check(scripted: Scripted, home: Path, args: list[str]) -> None:
    outcome = sacli([args[0], "--retries", "0", *args[1:]], scripted.env(home))
    assert_clean(outcome)
    found = events_of(outcome.stdout, outcome.code)
    end = found[-1]
    assert end["text_length"] == len(text_of(found))
    assert (end["status"] == "ok") == (outcome.code == 0)


@EXPLORE
@given(body=event_streams(), args=st.sampled_from(COMMANDS[:2]))
def test_any_event_stream_ends_with_one_true_end(
    scripted: Scripted, explore_home: Path, body: bytes, args: list[str]
) -> None:
    scripted.answer(lambda request: Response(body, content_type="text/event-stream"))
    check(scripted, explore_home, args)


@EXPLORE
@given(
    body=st.one_of(shaped_like(COMPLETION).map(json.dumps), HOSTILE_JSON, st.binary(max_size=200).map(repr)),
    status=st.sampled_from([200, 200, 400, 401, 402, 429, 500]),
)
def test_any_completion_or_error_ends_with_one_true_end(
    scripted: Scripted, explore_home: Path, body: str, status: int
) -> None:
    scripted.answer(lambda request: Response(body, status=status, content_type="application/json"))
    check(scripted, explore_home, COMMANDS[2])
