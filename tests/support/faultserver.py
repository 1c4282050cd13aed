"""A fault-injecting HTTP server on 127.0.0.1, and the installed sacli watched while it runs.

``FaultServer`` answers each connection with a script: a function that gets the parsed request
and a ``Connection`` with byte-level control over the reply (headers only, half a chunk, a
reset, a stall, one byte at a time). Scripts run in order, one per connection; the last one
answers any further connection. The server is bounded: it accepts at most ``max_connections``,
every socket operation has a timeout, and it stops itself after ``lifetime`` seconds even if a
test never closes it. A script that raises anything but ``OSError`` (a client that went away)
fails the test when the server closes.

``Watched`` runs the installed sacli with real pipes and collects stdout and stderr as they
arrive, so a test can wait for a piece of output (with a timeout) before it acts: reset the
connection, release a stalled server, send a signal.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY
from tests.support.threadedserver import ThreadedServer

WAIT = 20.0  # the longest any test waits for one thing to happen before it fails


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One accepted connection, from the script's side."""

    def __init__(self, sock: socket.socket, server: FaultServer) -> None:
        self.sock = sock
        self.server = server
        self.chunked = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def start(
        self,
        status: int = 200,
        reason: str = "OK",
        *,
        content_type: str | None = "text/event-stream",
        framing: str | int = "chunked",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Send the status line and headers. ``framing``: "chunked", "close" (body ends when the
        connection closes) or a Content-Length."""
        lines = [f"HTTP/1.1 {status} {reason}"]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        if framing == "chunked":
            lines.append("Transfer-Encoding: chunked")
            self.chunked = True
        elif isinstance(framing, int):
            lines.append(f"Content-Length: {framing}")
        lines.append("Connection: close")
        lines += [f"{name}: {value}" for name, value in headers]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def body(self, data: bytes) -> None:
        """Send part of the body, as one chunk when the reply is chunked."""
        if not data:
            return
        self.send(f"{len(data):x}\r\n".encode() + data + b"\r\n" if self.chunked else data)

    def end(self) -> None:
        """End the body properly (the last chunk when chunked), then close."""
        if self.chunked:
            self.send(b"0\r\n\r\n")
        self.close()

    def reply(
        self,
        status: int,
        body: bytes,
        *,
        reason: str = "",
        content_type: str | None = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """A whole reply with a Content-Length."""
        self.start(status, reason, content_type=content_type, framing=len(body), headers=headers)
        self.send(body)
        self.close()

    def reset(self) -> None:
        """Abort the connection with a TCP reset (RST) instead of a close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()

    def hold(self, release: threading.Event | None = None) -> None:
        """Stall: send nothing until ``release`` (or the server's shutdown), bounded by its lifetime."""
        event = release or self.server.closing
        while self.server.alive() and not event.is_set():
            event.wait(0.05)


Script = Callable[[Connection, Request], None]


class Link:
    """Lets a server script wait for the watched sacli's output (the test attaches the process)."""

    def __init__(self) -> None:
        self._attached = threading.Event()
        self._watched: Watched | None = None

    def attach(self, watched: Watched) -> Watched:
        self._watched = watched
        self._attached.set()
        return watched

    def wait_for(self, name: str, needle: bytes, timeout: float = WAIT) -> bytes:
        if not self._attached.wait(timeout) or self._watched is None:
            raise AssertionError("no process was attached to the link")
        return self._watched.wait_for(name, needle, timeout)


class FaultServer(ThreadedServer):
    what = "server script"
    timeout = WAIT

    def __init__(self, *scripts: Script, max_connections: int = 8, lifetime: float = 60.0) -> None:
        if not scripts:
            raise ValueError("a FaultServer needs at least one script")
        super().__init__(max_connections=max_connections, lifetime=lifetime)
        self.scripts = scripts
        self.requests: list[Request] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def where(self) -> str:
        return f"127.0.0.1:{self.port}"

    def serve(self, sock: socket.socket, index: int) -> None:
        script = self.scripts[min(index, len(self.scripts) - 1)]

        def run() -> None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request = _read_request(sock)
            self.requests.append(request)
            script(Connection(sock, self), request)

        self.guarded(sock, run)


def _read_request(sock: socket.socket) -> Request:
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            raise ConnectionResetError("the client closed before sending a request")
        data += more
        if len(data) > 1 << 20:
            raise ValueError("request head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return Request(method, path, headers, body)


# Script builders for the common shapes.


def stream_script(body: bytes, *, framing: str = "chunked") -> Script:
    """A 200 event stream carrying ``body`` in one piece, ended properly."""

    def script(conn: Connection, request: Request) -> None:
        conn.start(framing=framing)
        conn.body(body)
        conn.end()

    return script


def error_script(status: int, body: bytes = b"", *, reason: str = "", **kwargs: Any) -> Script:
    def script(conn: Connection, request: Request) -> None:
        conn.reply(status, body, reason=reason, **kwargs)

    return script


def api_env(env: dict[str, str], server: FaultServer) -> dict[str, str]:
    return {**env, "SACLI_BASE_URL": server.url, "OPENROUTER_KEY": OPENROUTER_KEY, "SUPER_AGENT_KEY": SUPER_AGENT_KEY}


@dataclass
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class _Captured:
    data: bytearray = field(default_factory=bytearray)
    closed: bool = False


class Watched:
    """The installed sacli as a running subprocess whose output a test can wait for."""

    def __init__(self, argv: list[str], *, env: dict[str, str], **popen: Any) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **popen
        )
        self._changed = threading.Condition()
        self._out = {"stdout": _Captured(), "stderr": _Captured()}
        self._readers = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, self._out["stdout"]), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, self._out["stderr"]), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @classmethod
    def sacli(cls, *args: str, env: dict[str, str], **popen: Any) -> Watched:
        return cls([SACLI, *args], env=env, **popen)

    def _drain(self, pipe: Any, captured: _Captured) -> None:
        fd = pipe.fileno()
        while True:
            data = _read(fd)
            with self._changed:
                if not data:
                    captured.closed = True
                    self._changed.notify_all()
                    return
                captured.data += data
                self._changed.notify_all()

    def output(self, name: str) -> bytes:
        with self._changed:
            return bytes(self._out[name].data)

    def wait_for(self, name: str, needle: bytes, timeout: float = WAIT) -> bytes:
        """Wait until ``needle`` has appeared on stdout or stderr; return what has arrived so far."""
        captured = self._out[name]
        with self._changed:
            if not self._changed.wait_for(lambda: needle in captured.data or captured.closed, timeout):
                raise AssertionError(
                    f"{needle!r} did not appear on {name} within {timeout} s: {bytes(captured.data)!r}"
                )
            if needle not in captured.data:
                raise AssertionError(f"{name} closed without {needle!r}: {bytes(captured.data)!r}")
            return bytes(captured.data)

    def signal(self, signum: signal.Signals) -> None:
        self.proc.send_signal(signum)

    def finish(self, timeout: float = WAIT) -> Finished:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)
            raise AssertionError(f"sacli did not end within {timeout} s; stderr: {self.output('stderr')!r}") from None
        for reader in self._readers:
            reader.join(WAIT)
        return Finished(self.proc.returncode, self.output("stdout"), self.output("stderr"))

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return b""
