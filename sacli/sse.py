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
_COLON = 0x3A


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
            return []  # and keep a pending CR: its LF may come in the next read
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
        if self._buffer:
            chunk = self._buffer + chunk
        # The usual block, "data: {...}\n\n" on its own, needs no line-by-line work.
        end = len(chunk) - 2
        if (
            chunk.startswith(b"data: ")
            and chunk.find(b"\n") == end
            and chunk[end + 1 :] == b"\n"
            and not self._data
            and not self._event_type
        ):
            self._buffer = b""
            return [Event("message", chunk[6:end].decode("utf-8", "replace"), self._last_event_id)]
        if b"\n" not in chunk:
            self._buffer = chunk
            return []
        lines = chunk.split(b"\n")
        self._buffer = lines.pop()
        events: list[Event] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(self._dispatch(data))
                    data = self._data
                else:
                    self._event_type = b""
            elif line[0] != _COLON:  # a line starting with ":" is a comment
                name, colon, value = line.partition(b":")
                if colon and value[:1] == b" ":
                    value = value[1:]
                if name == b"data":
                    data.append(value)
                else:
                    self._other_field(name, value)
        return events

    def _other_field(self, name: bytes, value: bytes) -> None:
        if name == b"event":
            self._event_type = value
        elif name == b"id":
            if b"\0" not in value:
                self._last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and value.isascii():
            self.retry = int(value)

    def _dispatch(self, data: list[bytes]) -> Event:
        joined = data[0] if len(data) == 1 else b"\n".join(data)
        event_type = self._event_type.decode("utf-8", "replace") if self._event_type else "message"
        self._data = []
        self._event_type = b""
        return Event(event_type, joined.decode("utf-8", "replace"), self._last_event_id)
