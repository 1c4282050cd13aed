"""A chat reply's body, whichever form the server sent: an event stream or one JSON completion.

Which of the two it is comes from the Content-Type or, when that says neither, from the first
bytes; the reader given (sacli.api.completions) then reads it as it arrives. When another
request follows on the connection, the end of a stream's body is read after ``[DONE]`` so the
connection can be kept (sacli.api.bodies.finish_body).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING, Protocol, TypeVar

from sacli.api.bodies import collect, decoded_pieces, finish_body, read_json_body
from sacli.api.limits import JSON_BODY_LIMIT
from sacli.errors import ApiError, NetworkError

if TYPE_CHECKING:
    from sacli.api.transport import Response

JSON_TYPES = ("application/json", "text/json")
SSE_FIELD_STARTS = (b"data:", b"data\n", b":", b"event:", b"id:", b"retry:")
SNIFF_LIMIT = 64 * 1024  # how much of an unlabelled reply is read to tell what it is


class Complete(Protocol):
    done: bool  # the stream ended with [DONE]


R = TypeVar("R", bound=Complete)


class BodyReader(Protocol[R]):
    def read_events(self, chunks: Iterable[bytes]) -> R: ...

    def read_completion(self, body: bytes) -> R: ...


def read_reply(response: Response, reader: BodyReader[R], *, keep_alive: bool = False) -> R:
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


def _events_then_the_end(response: Response, reader: BodyReader[R], pieces: Iterator[bytes], keep_alive: bool) -> R:
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
