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
past it the record ends with an error saying so. A replay file is read within REPLAY_FILE_LIMIT
and every field of every line is checked before anything is replayed.
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
from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.readers.localfiles import TooLarge, bounded_lines
from sacli.settings.secrets import HIDDEN, scrub

FORMAT = 1
RECORD_BODY_LIMIT = 16 * 1024 * 1024
REPLAY_FILE_LIMIT = 48 * 1024 * 1024  # the body's limit written as base64, and room for the rest
LONGEST_AT = 86_400_000.0  # ms: a record that waits a day before a piece is not one sacli made
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
        return scrub(parse_json(body), pattern)
    except JsonProblem:
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


_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _piece(data: bytes) -> str | dict[str, str]:
    """Text as it is, when JSON writes it at most twice as long; anything else as base64."""
    if not _CONTROLS.search(data):
        try:
            return data.decode()
        except UnicodeDecodeError:
            pass
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
        return piece.encode("utf-8", "surrogatepass")
    if isinstance(piece, dict) and isinstance(piece.get("base64"), str):
        try:
            return base64.b64decode(piece["base64"], validate=True)
        except ValueError:
            raise ValueError("a piece of the body is not valid base64") from None
    raise ValueError("a piece of the body is neither text nor base64")


def _text(record: dict[str, Any], name: str, default: str | None = None) -> str:
    value = record.get(name, default)
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    return value


def _ms(value: Any, name: str) -> float:
    """A time of the record: milliseconds from 0 to a day."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= LONGEST_AT:
        raise ValueError(f"{name} is not a number of milliseconds from 0 to {LONGEST_AT:.0f}")
    return float(value)


def _header(pair: Any) -> tuple[str, str]:
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
        raise ValueError("a header is not a [name, value] pair of text")
    name, value = pair
    if not name.isascii() or not name.isprintable() or not name or any(c in name for c in " :"):
        raise ValueError(f"the header name {name[:40]!r} is not a header name")
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"the value of the header {name} is not printable ASCII")
    return name, value


def _end(value: Any) -> str | dict[str, Any]:
    if value in ("eof", "closed"):
        return value
    if isinstance(value, dict) and isinstance(value.get("error"), str) and isinstance(value.get("message", ""), str):
        return {**value, "at": _ms(value.get("at", 0), "end.at")}
    raise ValueError('end is not "eof", "closed" or the error the body ended with')


def from_line(line: str) -> Exchange:
    """One exchange from its line; ValueError (with what is wrong) for a line that is not one."""
    record = parse_json(line)
    if not isinstance(record, dict) or record.get("sacli_record") != FORMAT:
        raise ValueError(f"not a sacli record (format {FORMAT})")
    missing = [name for name in ("method", "path", "status") if name not in record]
    if missing:
        raise ValueError(f"a field is missing: {', '.join(missing)}")
    status = record["status"]
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999):
        raise ValueError("status is not an HTTP status")
    end = _end(record.get("end", "eof"))
    if status is None and not isinstance(end, dict):
        raise ValueError("a record without a status needs the error it ended with")
    headers = record.get("headers") or []
    chunks = record.get("chunks") or []
    request_headers = record.get("request_headers") or {}
    if not isinstance(headers, list) or not isinstance(chunks, list) or not isinstance(request_headers, dict):
        raise ValueError("headers and chunks must be lists, request_headers an object")
    pieces = []
    for chunk in chunks:
        if not (isinstance(chunk, list) and len(chunk) == 2):
            raise ValueError("a piece of the body is not a [time, data] pair")
        pieces.append((_ms(chunk[0], "a piece's time"), _data_of(chunk[1])))
    return Exchange(
        method=_text(record, "method"),
        path=_text(record, "path"),
        query=_text(record, "query", ""),
        request_headers={str(k): str(v) for k, v in request_headers.items()},
        request_body=record.get("request_body"),
        status=status,
        reason=_text(record, "reason", "").encode("latin-1", "replace").decode("latin-1"),
        headers=[_header(pair) for pair in headers],
        at=_ms(record.get("at", 0), "at"),
        chunks=pieces,
        end=end,
    )


def read_records(path: str) -> list[Exchange]:
    """Every exchange of a record file, in order; a usage error naming the file and line otherwise."""
    exchanges = []
    try:
        with open(path, "rb") as file:
            for number, data in bounded_lines(file, REPLAY_FILE_LIMIT):
                try:
                    if data is None:
                        raise TooLarge(REPLAY_FILE_LIMIT)
                    if not data.strip():
                        continue
                    exchanges.append(from_line(data.decode("utf-8")))
                except ValueError as exc:  # JsonProblem, UnicodeDecodeError and TooLarge are ValueErrors
                    raise UsageError(f"invalid replay file {path} line {number}: {_reason(exc)}") from None
                if file.tell() > REPLAY_FILE_LIMIT:
                    raise UsageError(f"cannot replay {path}: it is larger than {mib(REPLAY_FILE_LIMIT)}")
    except OSError as exc:
        raise UsageError(f"cannot read the replay file {path}: {exc.strerror or exc}") from None
    return exchanges


def _reason(exc: ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (at byte {exc.start})"
    return str(exc)


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
