"""A batch item's record (``sacli schema batch``): what became of one item, written as one JSON line."""

from __future__ import annotations

import json
import time
from typing import Any

from sacli.api.reply import Reply
from sacli.chat.outcome import outcome

NOT_STARTED = "not started: "  # the start of the message of an item that no request was sent for


def record_of(
    item_id: Any,
    reply: Reply | None,
    error: BaseException | None,
    *,
    started: float | None = None,
    retries: int = 0,
    partial: Reply | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An item's record: ``reply`` a whole one (its text is kept also when it did not match the item's
    schema), ``partial`` what came of one that failed; ``started``: when it was sent; ``extra``: the
    fields that place the item in its input (line, dup)."""
    status, code, message = outcome(error)
    seen = reply if reply is not None else partial
    usage = seen.usage if seen is not None and isinstance(seen.usage, dict) else None
    cost = usage.get("cost") if usage else None
    record: dict[str, Any] = {
        "id": item_id,
        **(extra or {}),
        "text": "".join(reply.text) if reply is not None else None,
        "finish_reason": seen.finish_reason if seen is not None else None,
        "usage": usage,
        "error": None if error is None else {"message": message, "exit_code": code},
        "status": status,
        "exit_code": code,
        "model": seen.model if seen is not None else None,
        "cost": cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
        "cost_estimated": bool(seen is not None and seen.cost_estimated),
        "cached": seen.cache_status if seen is not None else None,
        "duration_ms": None if started is None else round((time.monotonic() - started) * 1000, 1),
        "first_token_ms": (
            round((seen.first_at - started) * 1000, 1) if seen is not None and seen.first_at and started else None
        ),
        "retries": retries,
    }
    if seen is not None and seen.citations:
        record["citations"] = seen.citations.items
    if seen is not None and seen.refusal:
        record["refusal"] = seen.refusal
    if reply is not None and reply.tool_calls and error is None:
        record["tool_calls"] = reply.tool_calls.document()["tool_calls"]
    return record


def not_started(item_id: Any, stopped_by: BaseException, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record of an item no request was sent for, because ``stopped_by`` ended the run first."""
    record = record_of(item_id, None, stopped_by, extra=extra)
    assert record["error"] is not None
    record["error"]["message"] = NOT_STARTED + record["error"]["message"]
    return record


def line_of(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
