"""Logging each exchange: what was asked, what came back, what it cost and how it ended.

``ExchangeLog.begin`` notes the request as it goes out; ``end`` (on every way out: success,
an error, Ctrl-C, SIGTERM, a closed stdout) turns it and the reply, whole or as far as it came,
into one row of the local log (sacli.store.logdb), written after the answer was delivered. Keys
and passwords never reach the row: the configured secrets and anything shaped like a key are
hidden in every text, and attachments are described (name, type, size, SHA-256), not kept.
A log that cannot be written costs one warning, never the answer or the exit code.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sacli import __version__
from sacli.api.reply import LOGGED_TEXT_LIMIT, Reply
from sacli.chat.outcome import outcome
from sacli.chat.replycache import request_key
from sacli.errors import SacliError
from sacli.readers.jsontext import one_line
from sacli.settings.secrets import scrub, secret_pattern
from sacli.store.logdb import LogUnavailable, write_many
from sacli.store.logquery import new_id
from sacli.term.stderr import Messages

TEXT_LIMIT = LOGGED_TEXT_LIMIT  # characters of one text kept in a row; a longer one is cut and the row marked


@dataclass
class Attempt:
    """One exchange on its way: its request, and what the reply and the retries left behind."""

    body: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    continued: bool = False
    retries: list[str] = field(default_factory=list)  # the cause of each retry, as the transport announced it
    reply: Reply | None = None
    id: str = field(default_factory=new_id)  # the row's, known from the start (--events names it)
    logged: bool = False  # its row is made: an exchange is logged once, whichever thread ends it first


class ExchangeLog:
    def __init__(
        self,
        *,
        path: Path | None,
        command: str,
        base_url: str,
        tags: Sequence[str],
        secrets: Sequence[str],
        messages: Messages,
        on_write: Callable[[float], AbstractContextManager[None]] | None = None,
    ) -> None:
        """``path`` None: the log is off for this run; ``on_write(cost)`` is entered around each write of
        rows that cost ``cost`` (what --budget reads from the log)."""
        self.on_write = on_write
        self.path = path
        self.command = command
        self.host = urlsplit(base_url).hostname or ""
        self.base_url = base_url
        self.tags = tuple(dict.fromkeys(tags))
        self.pattern = secret_pattern(secrets)
        self.messages = messages
        self.warned = False
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()  # a batch's workers and its writing thread end exchanges alike

    @property
    def on(self) -> bool:
        return self.path is not None

    def begin(self, body: dict[str, Any], *, continued: bool = False) -> Attempt:
        return Attempt(body=body, continued=continued)

    def end(self, attempt: Attempt, failure: BaseException | None = None, *, later: bool = False) -> None:
        """Log ``attempt``, ended by ``failure`` (None: it succeeded); ``later``: keep it for ``flush``."""
        if self.path is None:
            return
        with self.lock:
            if attempt.logged:
                return
            try:
                row = self.row(attempt, failure)
            except Exception as exc:  # a row that cannot be made must not cost the answer
                attempt.logged = True
                self._warn(f"cannot log the exchange: {type(exc).__name__}: {exc}")
                return
            self.pending.append(row)
            attempt.logged = True
        if not later:
            self.flush(patient=failure is None or isinstance(failure, SacliError))

    def flush(self, *, patient: bool = True) -> None:
        """Write the rows kept so far, in one transaction; ``patient``: wait for a busy log as long as it takes
        (within its bound), else hardly at all (sacli is on its way out)."""
        with self.lock:
            rows, self.pending = self.pending, []
        if not rows or self.path is None:
            return
        held = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, held)  # one short transaction, whole
        try:
            cost = sum(row["cost"] for row in rows if row.get("cost") is not None)
            with self.on_write(cost) if self.on_write is not None else contextlib.nullcontext():
                write_many(self.path, rows, wait=None if patient else 0.2)
        except LogUnavailable as error:
            self._warn(str(error))
        except Exception as exc:
            self._warn(f"cannot write the log {self.path}: {type(exc).__name__}: {exc}")
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)

    def row(self, attempt: Attempt, failure: BaseException | None) -> dict[str, Any]:
        body = attempt.body
        reply = attempt.reply
        messages = [_described(m) for m in body.get("messages") or [] if isinstance(m, dict)]
        usage = reply.usage if reply is not None else None
        cut = False

        def text(value: Any) -> str | None:
            nonlocal cut
            if value is None:
                return None
            value = value if isinstance(value, str) else one_line(value)
            if len(value) > TEXT_LIMIT:
                cut, value = True, value[:TEXT_LIMIT]
            return str(scrub(value, self.pattern))

        system = next((m.get("content") for m in messages if m.get("role") == "system"), None)
        prompt = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), None)
        status, exit_code, error = outcome(failure)
        now = time.monotonic()
        row: dict[str, Any] = {
            "id": attempt.id,
            "started_at": attempt.started_at,
            "duration_ms": round((now - attempt.started) * 1000, 1),
            "first_token_ms": None,
            "command": self.command,
            "host": self.host,
            "model_asked": body.get("model"),
            "session_id": body.get("sessionId"),
            "continued": int(attempt.continued),
            "system": text(system),
            "messages": text(scrub(messages, self.pattern)),
            "prompt": text(_plain(prompt)),
            "status": status,
            "error": text(error),
            "exit_code": exit_code,
            "retries": len(attempt.retries),
            "retry_causes": one_line(attempt.retries) if attempt.retries else None,
            "sacli_version": __version__,
            "tags": one_line(list(self.tags)) if self.tags else None,
            "request_key": request_key(self.base_url, body),
        }
        if reply is not None:
            row.update(
                model=reply.model,
                generation_id=reply.generation_id,
                first_token_ms=None if reply.first_at is None else round((reply.first_at - attempt.started) * 1000, 1),
                reply=text("".join(reply.text)),
                reasoning=text("".join(reply.reasoning)) if reply.reasoning else None,
                tool_calls=text(_calls(reply)),
                finish_reason=reply.finish_reason,
                usage=text(usage),
                cost_estimated=int(reply.cost_estimated),
                cache_status=reply.cache_status,
                citations=text(reply.citations.items) if reply.citations else None,
                refusal=text(reply.refusal) if reply.refusal else None,
            )
            cut = cut or reply.cut
        row.update(_usage_columns(usage))
        row["cut"] = int(cut)
        return row

    def _warn(self, message: str) -> None:
        if not self.warned:  # one line per run, however many rows
            self.warned = True
            self.messages.warn(f"{message} (the answer is not affected; --no-log or SACLI_LOG=0 turns the log off)")


def _usage_columns(usage: dict[str, Any] | None) -> dict[str, Any]:
    usage = usage if isinstance(usage, dict) else {}

    def number(value: Any, kind: type = int) -> Any:
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    def detail(group: str, key: str) -> Any:
        found = usage.get(group)
        return number(found.get(key)) if isinstance(found, dict) else None

    cost = usage.get("cost")
    return {
        "prompt_tokens": number(usage.get("prompt_tokens")),
        "completion_tokens": number(usage.get("completion_tokens")),
        "cached_tokens": detail("prompt_tokens_details", "cached_tokens"),
        "reasoning_tokens": detail("completion_tokens_details", "reasoning_tokens"),
        "cost": float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
    }


def _calls(reply: Reply) -> dict[str, Any] | None:
    if not reply.tool_calls:
        return None
    try:
        return reply.tool_calls.document()
    except SacliError:  # arguments that are not JSON: kept as they came
        return {
            "tool_calls": [
                {**call, "arguments": "".join(call["arguments"])} for call in reply.tool_calls.calls.values()
            ]
        }


def _plain(content: Any) -> Any:
    """A message's text: its parts' text joined, when it came in parts."""
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content


def _described(message: dict[str, Any]) -> dict[str, Any]:
    """The message as logged: an attachment's bytes replaced by its type, size and SHA-256."""
    content = message.get("content")
    if not isinstance(content, list):
        return message
    return {**message, "content": [_part(part) for part in content]}


def _part(part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    url = (part.get("image_url") or {}).get("url") if isinstance(part.get("image_url"), dict) else None
    data = (part.get("file") or {}).get("file_data") if isinstance(part.get("file"), dict) else None
    name = (part.get("file") or {}).get("filename") if isinstance(part.get("file"), dict) else None
    source = data or url
    if not isinstance(source, str) or not source.startswith("data:"):
        return part  # text, or an image by URL: kept as sent
    import base64
    import hashlib

    media_type, _, encoded = source[5:].partition(";base64,")
    try:
        raw = base64.b64decode(encoded)
    except ValueError:
        raw = encoded.encode()
    described = {"type": "attachment", "media_type": media_type, "size": len(raw)}
    described["sha256"] = hashlib.sha256(raw).hexdigest()
    if not isinstance(name, str):
        from sacli.chat.attachments import image_name

        name = image_name(described["sha256"])
    if isinstance(name, str):
        described["name"] = name
    return described
