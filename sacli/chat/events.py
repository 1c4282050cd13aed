"""``--events``: a stream of JSON Lines for programs, versioned (``"v": 1``), one event per line,
each written the moment it happens, and always a last ``end`` that says how the run ended and with
which exit code, on every way out that can still write.

Every event has ``v``, ``type`` and ``t`` (milliseconds since sacli started the request). The
types and their fields are in sacli.chat.eventschema, which ``sacli schema events`` prints.
Within v1 only new optional fields and new types are added; a consumer ignores types it does not
know.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
from collections.abc import Iterator
from time import monotonic
from typing import Any

from sacli.api.reply import Reply
from sacli.chat.outcome import outcome
from sacli.errors import OutputError, SacliError, Stop
from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.term.stdout import Output

VERSION = 1
HASHED_EVERY = 256  # pieces of the answer hashed at once
_quoted = json.encoder.encode_basestring  # as json.dumps(text, ensure_ascii=False) quotes it


class EventStream(Output):
    """stdout as events: a piece of the answer written to it is a ``delta`` event."""

    def __init__(self) -> None:
        super().__init__(raw=True)
        self.started_at = monotonic()
        self.text_length = 0
        self.text_hash = hashlib.sha256()
        self.unhashed: list[str] = []  # pieces of the text not yet hashed: hashed together, it costs less
        self.retries = 0
        self.log_id: str | None = None  # the exchange's ID in the local log, when it is on
        self.reply: Reply | None = None  # the reply, whole or as far as it came

    def emit(self, kind: str, **fields: Any) -> None:
        event = {"v": VERSION, "type": kind, "t": round((monotonic() - self.started_at) * 1000, 1), **fields}
        if self.before_first_write is not None:  # the spinner, say, stops at the first event
            hook, self.before_first_write = self.before_first_write, None
            hook()
        try:
            self._send(json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str) + "\n", "strict")
        except UnicodeEncodeError:  # a lone surrogate from the server: escaped, the line stays UTF-8
            self._send(json.dumps(event, separators=(",", ":"), default=str) + "\n")

    def write(self, text: str, *, errors: str = "replace") -> None:
        """A ``delta`` event: the line is made by hand, as ``emit`` would make it, for it is made per delta."""
        if not text:
            return
        self.text_length += len(text)
        unhashed = self.unhashed
        unhashed.append(text)
        if len(unhashed) == HASHED_EVERY:
            self._hash_pieces()
        self.started = True  # only the answer's text counts: a request is resent until some of it came
        if self.before_first_write is not None:
            hook, self.before_first_write = self.before_first_write, None
            hook()
        t = (monotonic() - self.started_at) * 1000
        try:
            self._send(f'{{"v":{VERSION},"type":"delta","t":{t:.1f},"text":{_quoted(text)}}}\n', "strict")
        except UnicodeEncodeError:  # a lone surrogate from the server: escaped, the line stays UTF-8
            self._send(f'{{"v":{VERSION},"type":"delta","t":{t:.1f},"text":{json.dumps(text)}}}\n')

    def _hash_pieces(self) -> None:
        self.text_hash.update("".join(self.unhashed).encode("utf-8", "replace"))  # the bytes plain stream writes
        self.unhashed.clear()

    def write_line(self, line: str) -> None:
        self.write(line + "\n")

    def end_line(self) -> None:
        """An event stream has no line of text to end."""

    def _text_sha256(self) -> str:
        self._hash_pieces()
        return self.text_hash.hexdigest()

    def reasoning(self, text: str) -> None:
        self.emit("reasoning", text=text)

    def retry(self, error: SacliError, delay: float, attempt: int) -> None:
        self.retries = attempt
        self.emit("retry", attempt=attempt, cause=error.summary, wait_s=round(delay, 3), status=error.status)

    def start(self, body: dict[str, Any], request_id: str) -> None:
        self.emit("start", id=request_id, model=body.get("model"), session=body.get("sessionId"), attempt=1)

    def reply_parts(self, reply: Reply) -> None:
        """What a complete reply carries besides its text: its tool calls and citations, one event each,
        and its usage."""
        if reply.tool_calls:
            for call in reply.tool_calls.to_run():
                text = "".join(call["arguments"])
                try:
                    arguments: Any = parse_json(text) if text.strip() else {}
                except JsonProblem:
                    arguments = text  # not JSON, or JSON out of bounds (too deep): as it came
                self.emit("tool_call", id=call["id"], name=call["name"], arguments=arguments)
        if reply.refusal:
            self.emit("refusal", text=reply.refusal)
        for citation in reply.citations.items:
            self.emit("citation", **citation)
        if reply.usage:
            self.emit("usage", usage=reply.usage)

    def end(self, failure: BaseException | None) -> None:
        """The last event; ``failure`` None: the run succeeded."""
        reply = self.reply
        status, code, message = outcome(failure)
        if isinstance(failure, SacliError):
            self.emit(
                "error", message=failure.message, hint=failure.hint, status=failure.status,
                retryable=failure.retryable, exit_code=code,
            )  # fmt: skip
        usage = reply.usage if reply is not None and isinstance(reply.usage, dict) else None
        cost = usage.get("cost") if usage else None
        self.emit(
            "end",
            status=status,
            exit_code=code,
            error=message,
            finish_reason=reply.finish_reason if reply is not None else None,
            text_length=self.text_length,
            text_sha256=self._text_sha256(),
            usage=usage,
            cost=cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
            cost_estimated=bool(reply is not None and reply.cost_estimated),
            cached=reply.cache_status if reply is not None else None,
            duration_ms=round((monotonic() - self.started_at) * 1000, 1),
            first_token_ms=(
                round((reply.first_at - self.started_at) * 1000, 1) if reply is not None and reply.first_at else None
            ),
            retries=self.retries,
            model=reply.model if reply is not None else None,
            generation_id=reply.generation_id if reply is not None else None,
            log_id=self.log_id,
            native_finish_reason=reply.native_finish_reason if reply is not None else None,
            service_tier=reply.service_tier if reply is not None else None,
        )


@contextlib.contextmanager
def event_run(wanted: bool) -> Iterator[EventStream | None]:
    """With ``wanted`` (--events), the run's event stream, ended by its ``end`` event whichever way the
    run ends, as long as stdout takes it: when stdout itself closed, the exit code says how it ended."""
    if not wanted:
        yield None
        return
    events = EventStream()
    try:
        yield events
    except BaseException as failure:
        gone = isinstance(failure, OutputError) or (isinstance(failure, Stop) and failure.signum == signal.SIGPIPE)
        if not gone:
            with contextlib.suppress(Stop, SacliError):
                events.end(failure)
        raise
    events.end(None)
