"""Record and replay at httpx2's transport level, so a replayed reply is read by the very code
that reads a live one.

Recording wraps the stream of each live response: every piece passes through as it arrives and
is kept, with its time, until the exchange ends; then the exchange is appended to the record
file. Replaying is an httpx2 transport that opens no connection: each request is answered by a
recorded exchange (the next one, or with ``match="body"`` the first unused one whose request
body is this one's), its pieces handed over at their recorded times divided by ``speed`` (0:
at once), and its recorded failure raised as the same httpx2 error at the same point.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2

from sacli.api.tapes import RECORD_BODY_LIMIT, Exchange, Match, RecordFile, request_body_of, truncated_end
from sacli.errors import UsageError

Clock = time.monotonic


def ms_since(started: float) -> float:
    return (Clock() - started) * 1000


def failure(exc: BaseException, at: float) -> dict[str, Any]:
    """A failure as a record keeps it: its httpx2 class and its innermost reason."""
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    return {"error": type(exc).__name__, "message": str(root) or str(exc), "at": round(at, 1)}


def raise_failure(end: dict[str, Any], request: httpx2.Request) -> None:
    kind = getattr(httpx2, str(end.get("error")), None)
    if not (isinstance(kind, type) and issubclass(kind, httpx2.TransportError)):
        kind = httpx2.ReadError
    raise kind(str(end.get("message", "")), request=request)


class Recorder:
    """Keeps each exchange of a live run and appends it to the record file as it ends."""

    def __init__(self, file: RecordFile) -> None:
        self.file = file

    def exchange_of(self, request: httpx2.Request, body: bytes | None) -> Exchange:
        return Exchange(
            method=request.method,
            path=request.url.raw_path.decode("ascii").partition("?")[0],
            query=request.url.query.decode("ascii"),
            request_headers={
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in request.headers.raw
                if name.lower() not in (b"host", b"connection", b"content-length", b"user-agent")
            },
            request_body=request_body_of(body, self.file.pattern),
        )

    def failed(self, request: httpx2.Request, body: bytes | None, exc: BaseException, started: float) -> None:
        exchange = self.exchange_of(request, body)
        exchange.at = ms_since(started)
        exchange.end = failure(exc, exchange.at)
        self.file.append(exchange)

    def wrap(self, response: httpx2.Response, body: bytes | None, started: float) -> None:
        exchange = self.exchange_of(response.request, body)
        exchange.status = response.status_code
        exchange.reason = response.reason_phrase
        exchange.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        exchange.at = ms_since(started)
        response.stream = RecordingStream(response.stream, exchange, started)

    def finish(self, response: httpx2.Response) -> None:
        """Append the exchange of ``response``, once it is closed (read to its end or not)."""
        stream = response.stream
        if isinstance(stream, RecordingStream) and not stream.written:
            stream.written = True
            self.file.append(stream.exchange)


class RecordingStream(httpx2.SyncByteStream):
    def __init__(self, inner: Any, exchange: Exchange, started: float) -> None:
        self.inner = inner
        self.exchange = exchange
        self.started = started
        self.kept = 0
        self.written = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for piece in self.inner:
                self._keep(piece)
                yield piece
        except httpx2.TransportError as exc:
            if self.exchange.end == "closed":
                self.exchange.end = failure(exc, ms_since(self.started))
            raise
        if self.exchange.end == "closed":
            self.exchange.end = "eof"

    def _keep(self, piece: bytes) -> None:
        if self.exchange.end != "closed":
            return  # past the limit: nothing more is kept
        self.kept += len(piece)
        if self.kept > RECORD_BODY_LIMIT:
            self.exchange.end = truncated_end(ms_since(self.started))
            return
        self.exchange.chunks.append((ms_since(self.started), piece))

    def close(self) -> None:
        self.inner.close()


class ReplayTransport(httpx2.BaseTransport):
    def __init__(self, exchanges: list[Exchange], *, path: str, match: Match, speed: float, pattern: Any) -> None:
        self.exchanges = exchanges
        self.used = [False] * len(exchanges)
        self.path = path
        self.match = match
        self.speed = speed
        self.pattern = pattern
        self.lock = threading.Lock()

    def wait_until(self, started: float, at_ms: float) -> None:
        if self.speed > 0:
            delay = started + at_ms / 1000 / self.speed - Clock()
            if delay > 0:
                time.sleep(delay)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = Clock()
        body = request.read()
        exchange = self.take(request, body)
        self.wait_until(started, exchange.at)
        if exchange.status is None:
            raise_failure(exchange.end if isinstance(exchange.end, dict) else {}, request)
        return httpx2.Response(
            exchange.status,
            headers=exchange.headers,
            stream=ReplayStream(self, exchange, started, request),
            extensions={"reason_phrase": exchange.reason.encode("latin-1", "replace"), "http_version": b"HTTP/1.1"},
            request=request,
        )

    def take(self, request: httpx2.Request, body: bytes) -> Exchange:
        method = request.method
        path = request.url.raw_path.decode("ascii").partition("?")[0]
        wanted = request_body_of(body or None, self.pattern) if self.match == "body" else None
        with self.lock:
            for index, exchange in enumerate(self.exchanges):
                if self.used[index]:
                    continue
                if self.match == "order":
                    if (exchange.method, exchange.path) != (method, path):
                        raise UsageError(
                            f"the replay file {self.path} answers {exchange.label} next, not {method} {path}",
                            hint="record the run again, or replay with --replay-match body",
                        )
                elif (exchange.method, exchange.path, exchange.request_body) != (method, path, wanted):
                    continue
                self.used[index] = True
                return exchange
        what = "whose request body is this one's " if self.match == "body" else ""
        raise UsageError(
            f"the replay file {self.path} has no record {what}left for {method} {path}",
            hint="record the run again with --record FILE",
        )


class ReplayStream(httpx2.SyncByteStream):
    def __init__(self, player: ReplayTransport, exchange: Exchange, started: float, request: httpx2.Request) -> None:
        self.player = player
        self.exchange = exchange
        self.started = started
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        for at, piece in self.exchange.chunks:
            self.player.wait_until(self.started, at)
            yield piece
        end = self.exchange.end
        if isinstance(end, dict):
            self.player.wait_until(self.started, float(end.get("at", 0)))
            raise_failure(end, self.request)
