"""Checks against the schemas sacli ships (sacli schema events|batch): every event and batch record
a test reads goes through them."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from sacli.chat.eventschema import BATCH, EVENTS

EVENT_CHECK = Draft202012Validator(EVENTS)
BATCH_CHECK = Draft202012Validator(BATCH)
TIMINGS = ("duration_ms", "first_token_ms")


def batch_records(stdout: bytes) -> list[dict[str, Any]]:
    """The records of a batch's stdout, each one valid against the batch schema."""
    found = [json.loads(line) for line in stdout.splitlines()]
    for record in found:
        BATCH_CHECK.validate(record)
    return found


def timeless(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the fields that differ from run to run (its timings)."""
    return {key: value for key, value in record.items() if key not in TIMINGS}


def events_of(stdout: bytes, exit_code: int) -> list[dict[str, Any]]:
    """The events of an ``--events`` run's stdout: every one valid against the events schema, exactly
    one ``end``, last, whose exit code is the process's."""
    assert stdout.endswith(b"\n"), stdout[-200:]
    found = [json.loads(line) for line in stdout.splitlines()]
    for event in found:
        EVENT_CHECK.validate(event)
    ends = [n for n, event in enumerate(found) if event["type"] == "end"]
    assert ends == [len(found) - 1], [event["type"] for event in found]
    assert found[-1]["exit_code"] == exit_code, (found[-1], exit_code)
    times = [event["t"] for event in found]
    assert times == sorted(times)
    return found


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(event["text"] for event in events if event["type"] == "delta")
