"""The file of ``--record`` and ``--replay``: one JSON line per HTTP exchange, appended as it ends.

A line holds the request (method, path, query, the headers that carry no secret and the JSON
body with its secrets hidden) and what came back: status, reason and headers, the body's pieces
with the time each arrived (milliseconds since the request was sent), and how the body ended:
``"eof"``, ``"closed"`` (sacli stopped reading) or the error that cut it, ``{"error": class,
"message": text, "at": ms}``. A connection that failed has ``status`` null and that error.

    {"sacli_record": 1, "method": "POST", "path": "/api/v1/...", "query": "",
     "request_headers": {"Accept": "text/event-stream"}, "request_body": {"model": "..."},
     "status": 200, "reason": "OK", "headers": [["content-type", "text/event-stream"]],
     "at": 41.2, "chunks": [[43.0, "data: {...}\\n\\n"], [88.5, {"base64": "..."}]], "end": "eof"}

No key is written: the headers that may carry one are left out, and in bodies and the URL the
configured keys, anything shaped like a key and every key field's value become ``***``. A piece
is text when it is UTF-8, else base64. The body kept of one reply is bounded (RECORD_BODY_LIMIT);
past it the record ends with an error saying so.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from sacli.api.headers import SECRET_HEADER_WORDS
from sacli.api.limits import mib
from sacli.errors import OutputError, UsageError
from sacli.settings.secrets import HIDDEN, scrub

FORMAT = 1
RECORD_BODY_LIMIT = 32 * 1024 * 1024
Match = Literal["order", "body"]


class Tape(NamedTuple):
    """What ``--record``, ``--replay``, ``--replay-match`` and ``--replay-speed`` asked for."""

    record: str | None = None
    replay: str | None = None
    match: Match = "order"
    speed: float = 1.0


@dataclass
class Exchange:
    method: str
    path: str
    query: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: Any = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    at: float = 0.0  # ms from sending the request to its reply's headers (or to the failure)
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    end: str | dict[str, Any] = "closed"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def public_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers that may be written down: none whose name suggests a key, a token or a cookie."""
    return [(name, value) for name, value in headers if not any(w in name.lower() for w in SECRET_HEADER_WORDS)]


def request_body_of(body: bytes | None, pattern: re.Pattern[str]) -> Any:
    """A JSON request body as it is written down (secrets hidden), or None for any other body."""
    if body is None:
        return None
    try:
        return scrub(json.loads(body), pattern)
    except (ValueError, UnicodeDecodeError):
        return None


def to_line(exchange: Exchange, pattern: re.Pattern[str]) -> bytes:
    record = {
        "sacli_record": FORMAT,
        "method": exchange.method,
        "path": pattern.sub(HIDDEN, exchange.path),
        "query": pattern.sub(HIDDEN, exchange.query),
        "request_headers": {
            k: pattern.sub(HIDDEN, v) for k, v in public_headers(list(exchange.request_headers.items()))
        },
        "request_body": exchange.request_body,
        "status": exchange.status,
        "reason": exchange.reason,
        "headers": [[k, pattern.sub(HIDDEN, v)] for k, v in public_headers(exchange.headers)],
        "at": round(exchange.at, 1),
        "chunks": [[round(t, 1), _piece(data)] for t, data in hide_in_pieces(exchange.chunks, pattern)],
        "end": scrub(exchange.end, pattern),
    }
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _piece(data: bytes) -> str | dict[str, str]:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def hide_in_pieces(chunks: list[tuple[float, bytes]], pattern: re.Pattern[str]) -> list[tuple[float, bytes]]:
    """The pieces with every secret hidden, also one that arrived split over two pieces (those are
    joined into one, at the later piece's time)."""
    in_bytes = re.compile(pattern.pattern.encode())
    joined = b"".join(data for _, data in chunks)
    spans = [m.span() for m in in_bytes.finditer(joined)]
    if not spans:
        return chunks
    pieces: list[tuple[float, bytes]] = []
    start = offset = 0
    for t, data in chunks:
        offset += len(data)
        if any(a < offset < b for a, b in spans):
            continue  # a secret runs on into the next piece
        pieces.append((t, in_bytes.sub(HIDDEN.encode(), joined[start:offset])))
        start = offset
    return pieces


def _data_of(piece: Any) -> bytes:
    if isinstance(piece, str):
        return piece.encode()
    if isinstance(piece, dict) and isinstance(piece.get("base64"), str):
        return base64.b64decode(piece["base64"], validate=True)
    raise ValueError("a piece of the body is neither text nor base64")


def from_line(line: str) -> Exchange:
    """One exchange from its line; ValueError (with what is wrong) for a line that is not one."""
    record = json.loads(line)
    if not isinstance(record, dict) or record.get("sacli_record") != FORMAT:
        raise ValueError(f"not a sacli record (format {FORMAT})")
    try:
        status = record["status"]
        if status is not None and not isinstance(status, int):
            raise ValueError("status is not a number")
        end = record.get("end", "eof")
        if status is None and not isinstance(end, dict):
            raise ValueError("a record without a status needs the error it ended with")
        return Exchange(
            method=str(record["method"]),
            path=str(record["path"]),
            query=str(record.get("query", "")),
            request_headers=dict(record.get("request_headers") or {}),
            request_body=record.get("request_body"),
            status=status,
            reason=str(record.get("reason", "")),
            headers=[(str(k), str(v)) for k, v in record.get("headers") or []],
            at=float(record.get("at", 0)),
            chunks=[(float(t), _data_of(piece)) for t, piece in record.get("chunks") or []],
            end=end,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"a field is missing or of the wrong kind ({exc})") from None


def read_records(path: str) -> list[Exchange]:
    """Every exchange of a record file, in order; a usage error naming the file and line otherwise."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read the replay file {path}: {reason}") from None
    exchanges = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            exchanges.append(from_line(line))
        except ValueError as exc:
            raise UsageError(f"invalid replay file {path} line {number}: {exc}") from None
    return exchanges


class RecordFile:
    """Appends exchanges to the file of ``--record``: each line with one write (O_APPEND), so that
    parallel requests never interleave and a killed run leaves only whole lines. Mode 600, whatever
    mode the file had."""

    def __init__(self, path: str, pattern: re.Pattern[str]) -> None:
        self.path = path
        self.pattern = pattern
        self._fd: int | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open (or create) the file now, so that one sacli cannot write is a usage error before anything
        is sent. A regular file is made mode 600 also when it was there already, with a looser mode."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise UsageError(f"cannot open the record file {self.path}: {exc.strerror or exc}") from None
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.fchmod(fd, 0o600)
        except OSError as exc:
            os.close(fd)
            raise UsageError(
                f"cannot make the record file {self.path} private (mode 600): {exc.strerror or exc}"
            ) from None
        self._fd = fd

    def append(self, exchange: Exchange) -> None:
        line = to_line(exchange, self.pattern)
        with self._lock:
            if self._fd is None:
                self.open()
            assert self._fd is not None
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd, view) :]
            except OSError as exc:
                raise OutputError(f"cannot write the record file {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def truncated_end(at: float) -> dict[str, Any]:
    return {"error": "ReadError", "message": f"the record of this reply stops at {mib(RECORD_BODY_LIMIT)}", "at": at}
