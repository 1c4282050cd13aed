"""The JSON Schemas of what sacli writes for programs: the events of ``--events`` (v1) and the records
of ``sacli batch``. ``sacli schema events`` and ``sacli schema batch`` print them.

Within v1 only new optional fields and new event types are added: a consumer ignores the types
and fields it does not know (the schema allows them). Anything else would be v2.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NUMBER_OR_NULL = {"type": ["number", "null"]}
TEXT_OR_NULL = {"type": ["string", "null"]}
USAGE = {"type": ["object", "null"], "description": "every usage field the server sent"}
INDEX = {"type": ["integer", "null"], "minimum": 0, "description": "a character offset in the answer"}
EXIT_CODE = {"type": "integer", "minimum": 0, "maximum": 255}
STATUS = {"enum": ["ok", "error", "interrupted", "timeout", "limit"]}


def _event(kind: str, description: str, fields: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "description": description,
        "type": "object",
        "properties": {"type": {"const": kind}, **fields},
        "required": ["type", *required],
    }


EVENTS: dict[str, Any] = {
    "$schema": DIALECT,
    "$id": "urn:sacli:schema:events:1",
    "title": "sacli --events, version 1",
    "description": "One JSON object per line; the last is always an end event, on every way out that can still write.",
    "type": "object",
    "properties": {
        "v": {"const": 1},
        "type": {"type": "string"},
        "t": {"type": "number", "minimum": 0, "description": "milliseconds since the run started"},
    },
    "required": ["v", "type", "t"],
    "allOf": [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": schema,
        }
        for kind, schema in {
            "start": _event(
                "start", "the request is about to be sent",
                {"id": {"type": "string"}, "model": TEXT_OR_NULL, "session": TEXT_OR_NULL,
                 "attempt": {"type": "integer"}},
                ("id", "model", "attempt"),
            ),
            "delta": _event("delta", "a piece of the answer, as it arrived", {"text": {"type": "string"}}, ("text",)),
            "reasoning": _event("reasoning", "a piece of the reasoning", {"text": {"type": "string"}}, ("text",)),
            "tool_call": _event(
                "tool_call", "one complete tool call; its arguments parsed, or the raw text when they are not JSON",
                {"id": TEXT_OR_NULL, "name": TEXT_OR_NULL, "arguments": {}}, ("id", "name", "arguments"),
            ),
            "citation": _event(
                "citation", "a source the answer cites (web search); start and end: the span of the answer it backs",
                {"url": {"type": "string"}, "title": TEXT_OR_NULL, "start": INDEX, "end": INDEX,
                 "content": TEXT_OR_NULL},
                ("url",),
            ),
            "retry": _event(
                "retry", "the request failed and is sent again after a wait",
                {"attempt": {"type": "integer", "minimum": 1}, "cause": {"type": "string"},
                 "wait_s": {"type": "number"}, "status": {"type": ["integer", "null"]}},
                ("attempt", "cause", "wait_s"),
            ),
            "refusal": _event(
                "refusal", "why the model declined (a reply that is only this ends with exit code 12)",
                {"text": {"type": "string"}}, ("text",),
            ),
            "usage": _event("usage", "the usage the server reported", {"usage": {"type": "object"}}, ("usage",)),
            "error": _event(
                "error", "how the run failed (the end event follows)",
                {"message": {"type": "string"}, "hint": TEXT_OR_NULL, "status": {"type": ["integer", "null"]},
                 "retryable": {"type": "boolean"}, "exit_code": EXIT_CODE},
                ("message", "exit_code"),
            ),
            "end": _event(
                "end", "the last event: how the run ended; exit_code is the process's",
                {
                    "status": STATUS, "exit_code": EXIT_CODE, "error": TEXT_OR_NULL, "finish_reason": TEXT_OR_NULL,
                    "text_length": {"type": "integer", "minimum": 0},
                    "text_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "usage": USAGE, "cost": NUMBER_OR_NULL, "cost_estimated": {"type": "boolean"},
                    "cached": TEXT_OR_NULL, "duration_ms": {"type": "number"}, "first_token_ms": NUMBER_OR_NULL,
                    "retries": {"type": "integer", "minimum": 0}, "model": TEXT_OR_NULL,
                    "generation_id": TEXT_OR_NULL, "log_id": TEXT_OR_NULL,
                    "native_finish_reason": TEXT_OR_NULL, "service_tier": TEXT_OR_NULL,
                },
                ("status", "exit_code", "text_length", "text_sha256", "usage", "cost", "duration_ms", "retries"),
            ),
        }.items()
    ],
}  # fmt: skip

BATCH: dict[str, Any] = {
    "$schema": DIALECT,
    "$id": "urn:sacli:schema:batch-record:1",
    "title": "sacli batch: one record per input item",
    "type": "object",
    "properties": {
        "id": {"description": "the line's id (a string or a whole number), or null when it has none"},
        "line": {"type": "integer", "minimum": 1, "description": "the item's line number in the input"},
        "dup": {"type": "integer", "minimum": 2, "description": "the nth line with this id, from the second on"},
        "model_asked": {**TEXT_OR_NULL, "description": "the model the item asked (model: the one that answered)"},
        "schema_ok": {
            "type": ["boolean", "null"],
            "description": "with a schema: whether the reply matched it (null: no whole reply to check)",
        },
        "text": TEXT_OR_NULL,
        "finish_reason": TEXT_OR_NULL,
        "usage": USAGE,
        "error": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {"message": {"type": "string"}, "exit_code": EXIT_CODE},
                    "required": ["message", "exit_code"],
                },
            ]
        },
        "tool_calls": {"type": "array"},
        "citations": {"type": "array", "items": {"type": "object", "required": ["url"]}},
        "refusal": {"type": "string", "description": "why the model declined, when it said so"},
        "status": STATUS,
        "exit_code": EXIT_CODE,
        "model": TEXT_OR_NULL,
        "cost": NUMBER_OR_NULL,
        "cost_estimated": {"type": "boolean"},
        "cached": TEXT_OR_NULL,
        "duration_ms": NUMBER_OR_NULL,
        "first_token_ms": NUMBER_OR_NULL,
        "retries": {"type": "integer", "minimum": 0},
    },
    "required": ["id", "text", "finish_reason", "usage", "error", "status", "exit_code", "cost", "retries"],
}

SCHEMAS = {"events": EVENTS, "batch": BATCH}
