"""An incremental Server-Sent Events parser that follows the WHATWG EventSource rules.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

It works on bytes as they come off the socket: lines end at CRLF, LF or CR (also a CR/LF
pair split across two reads); one leading UTF-8 BOM is dropped; values are decoded as UTF-8
with replacement, whatever charset the Content-Type names; a block dispatches an event only
when it carried data; a last block without its blank line is never dispatched. Splitting on
the line-end bytes before decoding means a UTF-8 character split across reads is never torn.

Its cost is linear in what it is fed: a line that arrives in many reads is joined once, when
its end arrives. One event's lines (its data lines and the line still arriving, line ends
counted) may take at most ``max_event`` bytes; past that ``EventTooLarge`` is raised, so
memory stays bounded.
"""

from __future__ import annotations

from typing import NamedTuple

from sacli.api.limits import EVENT_LIMIT

_BOM = b"\xef\xbb\xbf"
_COLON = 0x3A


class Event(NamedTuple):
    type: str
    data: str
    id: str


class EventTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"an event is larger than {limit} bytes")
        self.limit = limit


class SSEParser:
    """Feed it bytes; it returns the events those bytes completed."""

    __slots__ = (
        "_at_start",
        "_data",
        "_data_size",
        "_event_type",
        "_last_event_id",
        "_max_event",
        "_partial",
        "_partial_size",
        "_pending_cr",
        "retry",
    )

    def __init__(self, max_event: int = EVENT_LIMIT) -> None:
        self._partial: list[bytes] = []  # the pieces of a line whose end has not arrived yet
        self._partial_size = 0
        self._data: list[bytes] = []
        self._data_size = 0
        self._event_type = b""
        self._last_event_id = ""
        self._pending_cr = False
        self._at_start = True
        self._max_event = max_event
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        if not chunk:
            return []  # and keep a pending CR: its LF may come in the next read
        if self._at_start:
            if self._partial:
                chunk = self._partial.pop() + chunk
                self._partial_size = 0
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._keep_partial(chunk)
                return []
            self._at_start = False
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
                if not chunk:
                    return []
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
            if not chunk:
                self._pending_cr = False
                return []
        self._pending_cr = chunk[-1:] == b"\r"
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not self._partial:
            # The usual block, "data: {...}\n\n" on its own, needs no line-by-line work.
            end = len(chunk) - 2
            if (
                chunk.startswith(b"data: ")
                and chunk.find(b"\n") == end
                and chunk[end + 1 :] == b"\n"
                and not self._data
                and not self._event_type
            ):
                if end + 1 > self._max_event:
                    raise EventTooLarge(self._max_event)
                return [Event("message", chunk[6:end].decode("utf-8", "replace"), self._last_event_id)]
        first_end = chunk.find(b"\n")
        if first_end < 0:
            self._keep_partial(chunk)
            return []
        if self._partial:
            self._partial.append(chunk[:first_end])
            first = b"".join(self._partial)
            self._partial = []
            self._partial_size = 0
            lines = chunk[first_end + 1 :].split(b"\n")
            lines.insert(0, first)
        else:
            lines = chunk.split(b"\n")
        rest = lines.pop()
        events: list[Event] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(self._dispatch())
                else:
                    self._event_type = b""
            elif line[0] != _COLON:  # a line starting with ":" is a comment
                name, colon, value = line.partition(b":")
                if colon and value[:1] == b" ":
                    value = value[1:]
                if name == b"data":
                    self._data.append(value)
                    self._data_size += len(line) + 1
                    if self._data_size > self._max_event:
                        raise EventTooLarge(self._max_event)
                else:
                    self._other_field(name, value)
        if rest:
            self._keep_partial(rest)
        return events

    def _keep_partial(self, piece: bytes) -> None:
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._partial_size + self._data_size > self._max_event:
            raise EventTooLarge(self._max_event)

    def _other_field(self, name: bytes, value: bytes) -> None:
        if name == b"event":
            self._event_type = value
        elif name == b"id":
            if b"\0" not in value:
                self._last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and value.isascii() and len(value) <= 12:
            self.retry = int(value)  # milliseconds; a longer number is no wait anyone means

    def _dispatch(self) -> Event:
        data = self._data
        joined = data[0] if len(data) == 1 else b"\n".join(data)
        event_type = self._event_type.decode("utf-8", "replace") if self._event_type else "message"
        self._data = []
        self._data_size = 0
        self._event_type = b""
        return Event(event_type, joined.decode("utf-8", "replace"), self._last_event_id)
