"""The chat request, from its URL to its reply: the one place that knows ``/chat/completions``
and the shape of what it answers (a chunk's ``choices[0].delta``, a completion's ``message``).

``ask`` sends a request body and reads the reply into a sink as it arrives (sacli.api.replies
tells an event stream from a whole completion). Text mode writes each ``choices[0].delta.content``
the moment its event is parsed; JSON mode writes each data payload as one line. A reply is
complete when ``[DONE]`` or a choice with a ``finish_reason`` has arrived; anything else that
ends is "stream ended early", and a connection that breaks after that point does not make a
complete reply fail. ``merge_chunks`` makes one chat.completion of a streamed reply's chunks.
"""

from __future__ import annotations

import json.scanner
from collections.abc import Callable, Iterable, Iterator
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol

from sacli.api.limits import mib
from sacli.api.replies import read_reply
from sacli.api.reply import KEPT_TEXT_LIMIT, Reply
from sacli.api.replyparts import finish_reason_of, has_function, reasoning_pieces, refusal_of, usage_of
from sacli.api.sse import EventTooLarge, SSEParser
from sacli.errors import ApiError, NetworkError, SacliError
from sacli.readers.jsontext import DECODER, JsonProblem, not_json, one_line, parse_json

if TYPE_CHECKING:
    from sacli.api.client import ApiClient

CHAT_PATH = "/chat/completions"

# The C scanner behind json.loads, without its per-call wrappers: one JSON value from the start,
# with the bounded reader's rules for numbers (what it refuses goes the slow way, to parse_json).
_scan = json.scanner.make_scanner(DECODER)  # type: ignore[attr-defined]


class Sink(Protocol):
    """Where the reply goes (stdout, or a holder until the reply is complete)."""

    def write(self, text: str) -> None: ...

    def write_line(self, line: str) -> None: ...


def chat_headers(api: ApiClient, *, stream: bool) -> dict[str, str]:
    """The headers of a chat request: an event stream, sent as it is (no compression to wait for), or JSON."""
    if stream:
        return api.headers(Accept="text/event-stream", **{"Accept-Encoding": "identity"})
    return api.headers(Accept="application/json")


def ask(
    api: ApiClient,
    body: dict[str, Any],
    reader: ReplyReader,
    *,
    headers: dict[str, str] | None = None,
    keep_alive: bool = False,
    output_started: Callable[[], bool] = lambda: False,
    retries: list[str] | None = None,
) -> Reply:
    """POST ``body`` to the chat endpoint and read its reply with ``reader``; retried as the transport's policy says.

    ``keep_alive``: another request follows on the connection (a conversation, a batch); ``retries``
    gets the cause of each retry.
    """

    def handle(response: Any) -> Reply:
        reply = read_reply(response, reader, keep_alive=keep_alive)
        status = response.headers.get("x-openrouter-cache-status")
        reply.cache_status = status[:20] if status else None
        return reply

    return api.transport.request(
        "POST",
        api.settings.base_url + CHAT_PATH,
        json=body,
        headers=headers or chat_headers(api, stream=bool(body.get("stream"))),
        handle=handle,
        output_started=output_started,
        retries=retries,
    )


class ReplyReader:
    """Reads one reply into ``out``. ``keep_text`` also collects the text (for chat history, --schema).

    Reasoning never goes to ``out``: each piece of it goes to ``on_reasoning`` when one is given.
    Tool calls are gathered into the reply; a finish reason of ``tool_calls`` completes it.
    """

    def __init__(
        self,
        out: Sink,
        *,
        json_lines: bool,
        keep_text: bool = False,
        on_reasoning: Callable[[str], None] | None = None,
        keep_reasoning: bool = False,
        keep_limit: int = KEPT_TEXT_LIMIT,
        meter: Callable[[int], None] | None = None,
    ) -> None:
        """``keep_reasoning``: the reasoning is also kept in the reply (for the log), up to ``keep_limit``;
        ``meter`` is told the length of each piece of text, reasoning and tool-call arguments (--max-cost)."""
        self.out = out
        self.json_lines = json_lines
        self.keep_text = keep_text
        self.on_reasoning = on_reasoning
        self.keep_reasoning = keep_reasoning
        self.keep_limit = keep_limit
        self.meter = meter
        self.reply: Reply | None = None  # the reply being read, whole or as far as it came

    def read_events(self, chunks: Iterable[bytes]) -> Reply:
        reply = self.reply = Reply(keep_limit=self.keep_limit)
        parser = SSEParser()
        out = self.out
        json_lines = self.json_lines
        keep = reply.keep if self.keep_text else None
        meter = self.meter
        unnamed = waiting = silent = True
        for chunk in _until_broken(chunks, reply):
            try:
                events = parser.feed(chunk)
            except EventTooLarge as exc:
                raise ApiError(f"event too large: the stream sent an event of more than {mib(exc.limit)}") from None
            for event in events:
                data = event.data
                if data == "[DONE]":
                    reply.done = True
                    return reply
                if event.type == "error":
                    raise self._error_event(data)
                try:
                    payload, end = _scan(data, 0)
                    if end != len(data) and data[end:].strip():
                        raise ValueError
                except (StopIteration, ValueError, RecursionError):
                    payload = _parse_or_fail(data)
                if json_lines:
                    out.write_line(data.replace("\n", " ") if "\n" in data else data)
                if type(payload) is not dict:
                    continue
                if unnamed:
                    reply.named(payload)
                    unnamed = False
                if "error" in payload:
                    raise stream_error(payload)
                choices = payload.get("choices")
                if choices and type(choices) is list and type(choices[0]) is dict:
                    choice = choices[0]
                    delta = choice.get("delta")
                    if type(delta) is dict:
                        content = delta.get("content")
                        if content and type(content) is str:
                            if silent:
                                reply.answered = True
                                silent = False
                            if waiting:
                                reply.first_at = monotonic()
                                waiting = False
                            if meter is not None:  # a piece past --max-cost is neither kept nor written
                                meter(len(content))
                            if keep is not None:  # kept first: what was written is never missing from the log
                                keep(content)
                            if not json_lines:
                                out.write(content)
                        if (
                            "tool_calls" in delta
                            or "reasoning" in delta
                            or "reasoning_details" in delta
                            or "annotations" in delta
                            or "refusal" in delta
                        ):
                            if waiting:
                                reply.first_at = monotonic()
                                waiting = False
                            self._other_parts(delta, reply)
                    finish = choice.get("finish_reason")
                    if finish:
                        if finish == "error":
                            raise ApiError("the model stopped with an error (finish_reason: error)")
                        reply.finish_reason = finish_reason_of(finish)
                        reply.finished(choice, payload)
                usage = payload.get("usage")
                if usage:
                    reply.usage = usage_of(usage)
        if not reply.complete:
            raise NetworkError("stream ended early", retryable=True)
        return reply

    def read_completion(self, body: bytes) -> Reply:
        """A whole chat.completion JSON body (``--no-stream``, or a server that would not stream)."""
        try:
            payload = parse_json(body)
        except JsonProblem as problem:
            if not body.strip():
                raise NetworkError("the server sent an empty reply", retryable=True) from None
            raise ApiError(f"the reply is {not_json(problem)}: {clip(body.decode('utf-8', 'replace'))}") from None
        if self.json_lines:
            self.out.write_line(one_line(payload))
        if not isinstance(payload, dict):
            raise ApiError("the reply is not a chat completion")
        if "error" in payload:
            raise stream_error(payload)
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ApiError("the reply is not a chat completion (it has no choices)")
        choice = choices[0]
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else choice.get("text")
        reply = self.reply = Reply(
            finish_reason=finish_reason_of(choice.get("finish_reason") or "stop"),
            usage=usage_of(payload.get("usage")),
            keep_limit=self.keep_limit,
        )
        reply.named(payload)
        reply.finished(choice, payload)
        reply.first_at = monotonic()
        if isinstance(message, dict):
            self._other_parts(message, reply)
        if isinstance(content, str) and content:
            reply.answered = True
            if self.meter is not None:
                self.meter(len(content))
            if self.keep_text:
                reply.keep(content)
            if not self.json_lines:
                self.out.write(content)
        if reply.finish_reason == "error":
            raise ApiError("the model stopped with an error (finish_reason: error)")
        return reply

    def _other_parts(self, delta: dict[str, Any], reply: Reply) -> None:
        """Reasoning (to ``on_reasoning``), tool-call fragments and citations (into ``reply``) of a delta or a
        message."""
        if self.on_reasoning is not None or self.keep_reasoning or self.meter is not None:
            for piece in reasoning_pieces(delta):
                if self.on_reasoning is not None:
                    self.on_reasoning(piece)
                if self.keep_reasoning:
                    reply.keep_reasoning(piece)
                if self.meter is not None:
                    self.meter(len(piece))
        if "annotations" in delta:
            reply.citations.add(delta["annotations"])
        refusal = refusal_of(delta)
        if refusal is not None:
            reply.refused(refusal)
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            reply.tool_calls.add(calls)
            if self.meter is not None:
                self.meter(sum(len(c["function"].get("arguments") or "") for c in calls if has_function(c)))

    def _error_event(self, data: str) -> SacliError:
        try:
            payload = parse_json(data)
        except JsonProblem:
            return ApiError(f"the stream reported an error: {clip(data) or 'no details'}")
        if self.json_lines:
            self.out.write_line(data.replace("\n", " "))
        if isinstance(payload, dict):
            return stream_error(payload)
        return ApiError(f"the stream reported an error: {clip(data)}")


def _parse_or_fail(data: str) -> Any:
    """The slow path for what the scanner refused: leading blanks are fine, anything else is not JSON."""
    try:
        return parse_json(data)
    except JsonProblem as problem:
        raise ApiError(f"the stream carried a payload that is {not_json(problem, 'not JSON')}: {clip(data)}") from None


def _until_broken(chunks: Iterable[bytes], reply: Reply) -> Iterator[bytes]:
    """The chunks, ending quietly if the connection breaks once the reply is complete.

    A finish_reason means the answer is whole; a proxy that then resets the connection, or
    closes it before the usage chunk, [DONE] or the end of the body, must not turn a complete
    answer into a failure. Only the reading is guarded: errors from handling an event pass, and so
    do sacli's own (a record file that cannot be written).
    """
    try:
        yield from chunks
    except Exception as exc:
        if not reply.complete or isinstance(exc, SacliError):
            raise


def stream_error(payload: dict[str, Any]) -> SacliError:
    from sacli.api.streamerrors import stream_error as error_in_reply  # only an error needs it

    return error_in_reply(payload)


def merge_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One chat.completion made of a streamed reply's chunks: their text, finish reason and usage."""
    first = chunks[0] if chunks else {}
    merged: dict[str, Any] = {key: first[key] for key in ("id", "created", "model") if key in first}
    merged["object"] = "chat.completion"
    role = "assistant"
    content: list[str] = []
    finish_reason = None
    usage = None
    for chunk in chunks:
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            choice = choices[0]
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if isinstance(delta.get("role"), str):
                    role = delta["role"]
                if isinstance(delta.get("content"), str):
                    content.append(delta["content"])
            finish_reason = choice.get("finish_reason") or finish_reason
        usage = chunk.get("usage") or usage
    merged["choices"] = [
        {"index": 0, "message": {"role": role, "content": "".join(content)}, "finish_reason": finish_reason}
    ]
    if usage:
        merged["usage"] = usage
    return merged


def chunk_event(head: dict[str, Any], delta: dict[str, Any] | None, finish: str | None = None, **more: Any) -> bytes:
    """One chunk as an event of a stream: ``head`` (id, model...), a choice with ``delta`` (none when
    None, as a usage chunk has), ``more`` fields (usage)."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return f"data: {one_line({**head, 'object': 'chat.completion.chunk', 'choices': choices, **more})}\n\n".encode()


def completion_of_lines(lines: list[str]) -> str:
    """One chat.completion line for ``--json`` of a reply held whole: the server's own when it sent one,
    else one made of the chunks it streamed."""
    if len(lines) == 1 and not _is_chunk(_object(lines[0])):
        return lines[0]
    chunks = [obj for obj in map(_object, lines) if obj is not None]
    return one_line(merge_chunks(chunks))


def error_of_lines(lines: list[str]) -> str | None:
    """The last line, when it is the server's error object (a stream that ended with one)."""
    last = _object(lines[-1]) if lines else None
    return lines[-1] if last is not None and "error" in last else None


def _object(line: str) -> dict[str, Any] | None:
    try:
        value = parse_json(line)
    except JsonProblem:
        return None
    return value if isinstance(value, dict) else None


def _is_chunk(payload: dict[str, Any] | None) -> bool:
    if payload is None:
        return False
    if payload.get("object") == "chat.completion.chunk":
        return True
    choices = payload.get("choices")
    return isinstance(choices, list) and any(isinstance(c, dict) and "delta" in c for c in choices)


def clip(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
