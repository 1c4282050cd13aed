"""An incremental Server-Sent Events parser that follows the WHATWG EventSource rules.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

It works on bytes as they come off the socket: lines end at CRLF, LF or CR (also a CR/LF
pair split across two reads); one leading UTF-8 BOM is dropped; values are decoded as UTF-8
with replacement, whatever charset the Content-Type names; a block dispatches an event only
when it carried data; a last block without its blank line is never dispatched. Splitting on
the line-end bytes before decoding means a UTF-8 character split across reads is never torn.
"""

from __future__ import annotations

from typing import NamedTuple

_BOM = b"\xef\xbb\xbf"


class Event(NamedTuple):
    type: str
    data: str
    id: str


class SSEParser:
    """Feed it bytes; it returns the events those bytes completed."""

    __slots__ = ("_at_start", "_buffer", "_data", "_event_type", "_last_event_id", "_pending_cr", "retry")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._event_type = b""
        self._last_event_id = ""
        self._pending_cr = False
        self._at_start = True
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        if not chunk:
            # Nothing to do, and it must not forget a CR that ended the previous read.
            return []
        if self._at_start:
            chunk = self._buffer + chunk
            self._buffer = b""
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._buffer = chunk
                return []
            self._at_start = False
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if self._pending_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._pending_cr = chunk[-1:] == b"\r"
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in chunk:
            self._buffer += chunk
            return []
        lines = (self._buffer + chunk).split(b"\n")
        self._buffer = lines.pop()
        events: list[Event] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(self._dispatch())
                else:
                    self._event_type = b""
            elif line[0] != 0x3A:  # a line starting with ":" is a comment
                self._field(line)
        return events

    def _field(self, line: bytes) -> None:
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event_type = value
        elif name == b"id":
            if b"\0" not in value:
                self._last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and value.isascii():
            self.retry = int(value)

    def _dispatch(self) -> Event:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        event_type = self._event_type.decode("utf-8", "replace") if self._event_type else "message"
        self._data = []
        self._event_type = b""
        return Event(event_type, data.decode("utf-8", "replace"), self._last_event_id)
