"""``sacli logs show ID --replay-file F``: a logged exchange as a recording that ``--replay`` plays.

The reply is streamed again as the service streams one: a role chunk, the text in pieces spread
between the first token and the end as they were logged, the tool calls, the finish reason and
the usage, then ``[DONE]``. A failed exchange is recorded with the error it ended with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sacli.api.completions import CHAT_PATH, chunk_event
from sacli.api.tapes import Exchange, to_line
from sacli.errors import UsageError
from sacli.readers.jsontext import one_line
from sacli.settings.secrets import secret_pattern

PIECE = 24  # characters of text per recorded chunk
BASE_PATH = "/api/v1"  # the service's: replay with the default base URL


def write_recording(row: dict[str, Any], path: str) -> None:
    exchange = recording_of(row)
    try:
        Path(path).write_bytes(to_line(exchange, secret_pattern(())))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def recording_of(row: dict[str, Any]) -> Exchange:
    first = float(row.get("first_token_ms") or 0.0)
    end = max(float(row.get("duration_ms") or first), first)
    texts = _pieces(str(row.get("reply") or ""))
    step = (end - first) / max(len(texts), 1)
    model = row.get("model") or row.get("model_asked")
    head = {"id": row.get("generation_id") or row["id"], "model": model}
    chunks = [(first, chunk_event(head, {"role": "assistant", "content": ""}))]
    chunks += [(first + n * step, chunk_event(head, {"content": text})) for n, text in enumerate(texts)]
    calls = (row.get("tool_calls") or {}).get("tool_calls") if isinstance(row.get("tool_calls"), dict) else None
    for index, call in enumerate(calls or []):
        function = {"name": call.get("name"), "arguments": one_line(call.get("arguments"))}
        call_part = {"index": index, "id": call.get("id"), "function": function}
        chunks.append((end, chunk_event(head, {"tool_calls": [call_part]})))
    chunks.append((end, chunk_event(head, {}, row.get("finish_reason") or "stop")))
    if isinstance(row.get("usage"), dict):
        chunks.append((end, chunk_event(head, None, usage=row["usage"])))
    chunks.append((end, b"data: [DONE]\n\n"))
    failed = row.get("status") != "ok"
    return Exchange(
        method="POST",
        path=BASE_PATH + CHAT_PATH,
        request_body={"model": row.get("model_asked"), "messages": row.get("messages"), "stream": True},
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/event-stream")],
        at=first,
        chunks=chunks[: len(texts) + 1] if failed else chunks,
        end={"error": "ReadError", "message": row.get("error") or "the exchange failed", "at": end}
        if failed
        else "eof",
    )


def _pieces(text: str) -> list[str]:
    return [text[start : start + PIECE] for start in range(0, len(text), PIECE)]
