"""Reading a chat reply (an SSE stream or one chat.completion) into a sink as it arrives.

Text mode writes each ``choices[0].delta.content`` the moment its event is parsed; JSON mode
writes each data payload as one line. Which of the two the server sent is read from the
Content-Type, or, when that says neither, from the first bytes. A reply is complete when ``[DONE]`` or a choice with a
``finish_reason`` has arrived; anything else that ends is "stream ended early", and a
connection that breaks after that point does not make a complete reply fail.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol

from sacli.api.bodies import collect, decoded_pieces, finish_body, read_json_body
from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.api.sse import EventTooLarge, SSEParser
from sacli.errors import ApiError, NetworkError, SacliError

if TYPE_CHECKING:
    from sacli.api.transport import Response

JSON_TYPES = ("application/json", "text/json")
SSE_FIELD_STARTS = (b"data:", b"data\n", b":", b"event:", b"id:", b"retry:")
SNIFF_LIMIT = 64 * 1024  # how much of an unlabelled reply is read to tell what it is

_decoder = json.JSONDecoder(strict=False)
_loads = _decoder.decode
# The C scanner behind json.loads, without its per-call wrappers: one JSON value from the start.
_scan = json.scanner.make_scanner(_decoder)  # type: ignore[attr-defined]


class Sink(Protocol):
    """Where the reply goes (stdout, or a holder until the reply is complete)."""

    def write(self, text: str) -> None: ...

    def write_line(self, line: str) -> None: ...


class Reply:
    __slots__ = ("done", "finish_reason", "text", "tool_calls", "usage")

    def __init__(self, *, finish_reason: str | None = None, usage: dict[str, Any] | None = None) -> None:
        self.finish_reason = finish_reason
        self.usage = usage
        self.done = False
        self.text: list[str] = []
        # index -> {"id", "name", "arguments": [pieces]}, gathered from the deltas' fragments
        self.tool_calls: dict[int, dict[str, Any]] = {}

    @property
    def complete(self) -> bool:
        return self.done or self.finish_reason is not None


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
    ) -> None:
        self.out = out
        self.json_lines = json_lines
        self.keep_text = keep_text
        self.on_reasoning = on_reasoning

    def read_events(self, chunks: Iterable[bytes]) -> Reply:
        reply = Reply()
        parser = SSEParser()
        out = self.out
        json_lines = self.json_lines
        keep = reply.text.append if self.keep_text else None
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
                except (StopIteration, ValueError):
                    payload = _parse_or_fail(data)
                if json_lines:
                    out.write_line(data.replace("\n", " ") if "\n" in data else data)
                if type(payload) is not dict:
                    continue
                if "error" in payload:
                    raise stream_error(payload)
                choices = payload.get("choices")
                if choices and type(choices) is list and type(choices[0]) is dict:
                    choice = choices[0]
                    delta = choice.get("delta")
                    if type(delta) is dict:
                        content = delta.get("content")
                        if content and type(content) is str:
                            if not json_lines:
                                out.write(content)
                            if keep is not None:
                                keep(content)
                        if "tool_calls" in delta or "reasoning" in delta or "reasoning_details" in delta:
                            self._other_parts(delta, reply)
                    finish = choice.get("finish_reason")
                    if finish:
                        if finish == "error":
                            raise ApiError("the model stopped with an error (finish_reason: error)")
                        reply.finish_reason = finish
                usage = payload.get("usage")
                if usage:
                    reply.usage = usage
        if not reply.complete:
            raise NetworkError("stream ended early", retryable=True)
        return reply

    def read_completion(self, body: bytes) -> Reply:
        """A whole chat.completion JSON body (``--no-stream``, or a server that would not stream)."""
        try:
            payload = json.loads(body)
        except ValueError:
            if not body.strip():
                raise NetworkError("the server sent an empty reply", retryable=True) from None
            raise ApiError(f"the reply is not valid JSON: {_clip(body.decode('utf-8', 'replace'))}") from None
        if self.json_lines:
            self.out.write_line(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
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
        reply = Reply(finish_reason=choice.get("finish_reason") or "stop", usage=payload.get("usage") or None)
        if isinstance(message, dict):
            self._other_parts(message, reply)
        if isinstance(content, str) and content:
            if not self.json_lines:
                self.out.write(content)
            if self.keep_text:
                reply.text.append(content)
        if reply.finish_reason == "error":
            raise ApiError("the model stopped with an error (finish_reason: error)")
        return reply

    def _other_parts(self, delta: dict[str, Any], reply: Reply) -> None:
        """Reasoning (to ``on_reasoning``) and tool-call fragments (into ``reply``) of a delta or a message."""
        reasoning = delta.get("reasoning")
        if self.on_reasoning is not None:
            if isinstance(reasoning, str) and reasoning:
                self.on_reasoning(reasoning)
            elif isinstance(delta.get("reasoning_details"), list):  # sent alone, or beside the same text
                for item in delta["reasoning_details"]:
                    piece = item.get("text") or item.get("summary") if isinstance(item, dict) else None
                    if isinstance(piece, str) and piece:
                        self.on_reasoning(piece)
        calls = delta.get("tool_calls")
        if not isinstance(calls, list):
            return
        for position, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            index = call.get("index", position)
            slot = reply.tool_calls.setdefault(index, {"id": None, "name": "", "arguments": [], "size": 0})
            if isinstance(call.get("id"), str):
                slot["id"] = call["id"]
            function = call.get("function")
            if isinstance(function, dict):
                if isinstance(function.get("name"), str):
                    slot["name"] += function["name"]
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    slot["arguments"].append(arguments)
                    slot["size"] += len(arguments)
                    if slot["size"] > JSON_BODY_LIMIT:
                        raise ApiError(f"the arguments of a tool call are larger than {mib(JSON_BODY_LIMIT)}")
                elif isinstance(arguments, dict):  # a whole message may carry them parsed already
                    slot["arguments"].append(json.dumps(arguments))

    def _error_event(self, data: str) -> SacliError:
        try:
            payload = _loads(data)
        except ValueError:
            return ApiError(f"the stream reported an error: {_clip(data) or 'no details'}")
        if self.json_lines:
            self.out.write_line(data.replace("\n", " "))
        if isinstance(payload, dict):
            return stream_error(payload)
        return ApiError(f"the stream reported an error: {_clip(data)}")


def read_reply(response: Response, reader: ReplyReader, *, keep_alive: bool = False) -> Reply:
    """Read an SSE stream or a whole chat.completion, whichever the server sent.

    ``keep_alive``: another request follows on the connection, so a stream's body is read to its
    end after [DONE] when that comes at once (see ``finish_body``)."""
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    pieces = decoded_pieces(response)
    if content_type == "text/event-stream":
        return _events_then_the_end(response, reader, pieces, keep_alive)
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return reader.read_completion(read_json_body(response))
    first = _first_bytes(pieces)
    start = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        raise NetworkError("stream ended early: the server sent an empty reply", retryable=True)
    if start.startswith(SSE_FIELD_STARTS):
        return _events_then_the_end(response, reader, chain([first], pieces), keep_alive)
    if start.startswith((b"{", b"[")):
        return reader.read_completion(collect(chain([first], pieces), JSON_BODY_LIMIT, what="the reply"))
    from sacli.api.errorbodies import first_line

    shown = content_type or "none"
    raise ApiError(
        f"the reply is neither an event stream nor a chat completion (Content-Type: {shown}): "
        f"{first_line(first[:SNIFF_LIMIT].decode('utf-8', 'replace'), html=start.startswith(b'<'))}"
    )


def _events_then_the_end(response: Response, reader: ReplyReader, pieces: Iterator[bytes], keep_alive: bool) -> Reply:
    # Through a chain, which has no close(): the reader stopping at [DONE] leaves the body open.
    reply = reader.read_events(chain(pieces))
    if reply.done and keep_alive:
        finish_body(response, pieces)
    return reply


def _first_bytes(chunks: Iterator[bytes]) -> bytes:
    data = b""
    for chunk in chunks:
        data += chunk
        if data.strip() or len(data) > SNIFF_LIMIT:
            break
    return data


def _parse_or_fail(data: str) -> Any:
    """The slow path for what the scanner refused: leading blanks are fine, anything else is not JSON."""
    try:
        return _loads(data)
    except ValueError:
        raise ApiError(f"the stream carried a payload that is not JSON: {_clip(data)}") from None


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


def stream_error(payload: dict[str, Any]) -> ApiError:
    from sacli.api.errorbodies import error_message  # only an error needs it

    message = error_message(payload.get("error"), payload) or "no details"
    return ApiError(f"the server reported an error: {message}")


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
