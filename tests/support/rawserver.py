"""Byte-level servers for the network tests: raw sockets in threads, plain or TLS.

``RawServer`` hands each accepted connection to a handler (the first handler gets the first
connection, the second the second, the last one any further connection) as a ``Peer``: it reads
requests exactly as they came over the wire and writes whatever bytes a test wants, so a test can
send bare line feeds, half a chunk, a reply before the request's body, or wait on an event
between two pieces. ``tunnel`` and ``socks5`` make handlers that act as an HTTP CONNECT proxy
and a SOCKS5 proxy, and
``self_signed`` makes a certificate for 127.0.0.1 and localhost with the ``openssl`` command.

The servers are bounded: every socket operation has a timeout, the server joins its threads
when it closes, and a handler that fails with anything but ``OSError`` (a client that went
away, a refused TLS handshake) fails the test.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.helpers import OPENROUTER_KEY, SUPER_AGENT_KEY, require_tool
from tests.support.threadedserver import ThreadedServer

WAIT = 10.0  # the longest any socket operation or event waits before the test fails


@dataclass
class Captured:
    """One request as the server received it."""

    head: bytes  # the request line and header lines, without the blank line that ends them
    raw_body: bytes  # the body as it came over the wire (still chunked if it was)
    body: bytes  # the body without its chunked framing
    connection: int  # which accepted connection carried it, from 0

    @property
    def request_line(self) -> str:
        return self.lines[0]

    @property
    def lines(self) -> list[str]:
        return self.head.decode("latin-1").split("\r\n")

    def header(self, name: str) -> list[str]:
        """Every value sent for ``name`` (any case), in order."""
        values = []
        for line in self.lines[1:]:
            key, _, value = line.partition(":")
            if key.lower() == name.lower():
                values.append(value.strip())
        return values


class Peer:
    """One accepted connection, from the server's side."""

    def __init__(self, sock: socket.socket, index: int, server: RawServer) -> None:
        self.sock = sock
        self.index = index
        self.server = server
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        more = self.sock.recv(65536)
        self.buffer += more
        return bool(more)

    def read_until(self, marker: bytes) -> bytes | None:
        """Everything up to and including ``marker``; None when the client closes first."""
        while marker not in self.buffer:
            if not self._fill():
                return None
        data, _, self.buffer = self.buffer.partition(marker)
        return data + marker

    def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise AssertionError(f"the client closed after {len(self.buffer)} of {size} body bytes")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_head(self) -> bytes | None:
        """The next request's head, leaving its body unread; None when the client closed instead."""
        head = self.read_until(b"\r\n\r\n")
        return None if head is None else head[:-4]

    def read_request(self) -> Captured | None:
        """The next whole request (body by Content-Length or chunked), recorded in ``server.requests``."""
        head = self.read_head()
        if head is None:
            return None
        probe = Captured(head, b"", b"", self.index)
        if "chunked" in ",".join(probe.header("transfer-encoding")).lower():
            raw, body = self._read_chunked()
        else:
            lengths = probe.header("content-length")
            raw = body = self.read_exactly(int(lengths[0])) if lengths else b""
        captured = Captured(head, raw, body, self.index)
        with self.server.lock:
            self.server.requests.append(captured)
        return captured

    def _read_chunked(self) -> tuple[bytes, bytes]:
        raw = body = b""
        while True:
            line = self.read_until(b"\r\n")
            assert line is not None, "the client closed in the middle of a chunked body"
            raw += line
            size = int(line.split(b";")[0], 16)
            if size == 0:
                end = self.read_until(b"\r\n")
                assert end == b"\r\n", f"trailers or junk after the last chunk: {end!r}"
                return raw + end, body
            data = self.read_exactly(size + 2)
            assert data.endswith(b"\r\n"), f"a chunk of the request is not {size} bytes long"
            raw += data
            body += data[:-2]

    def wait_closed(self) -> bytes:
        """Read (and return) whatever comes until the client closes the connection."""
        data, self.buffer = self.buffer, b""
        while more := self.sock.recv(65536):
            data += more
        return data


Handler = Callable[[Peer], None]


class RawServer(ThreadedServer):
    what = "server handler"

    def __init__(self, *handlers: Handler, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> None:
        if not handlers:
            raise ValueError("a RawServer needs at least one handler")
        super().__init__(host=host)
        self.handlers = handlers
        self.tls = tls
        self.requests: list[Captured] = []
        self.lock = threading.Lock()

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{'https' if self.tls else 'http'}://{self.authority}{path}"

    def serve(self, sock: socket.socket, index: int) -> None:
        handler = self.handlers[min(index, len(self.handlers) - 1)]

        def run() -> None:
            conn = self.tls.wrap_socket(sock, server_side=True) if self.tls is not None else sock
            try:
                handler(Peer(conn, index, self))
            finally:
                conn.close()

        self.guarded(sock, run)


# Handlers for the common shapes.


def tunnel(port: int, *, host: str = "127.0.0.1") -> Handler:
    """An HTTP CONNECT proxy: read the CONNECT request, answer 200, then copy bytes both ways.

    The CONNECT request is recorded in ``server.requests`` (it has no body); the tunnel goes to
    ``host:port`` whatever the request names, and the test checks what it named.
    """

    def handler(peer: Peer) -> None:
        head = peer.read_head()
        if head is None:
            return
        with peer.server.lock:
            peer.server.requests.append(Captured(head, b"", b"", peer.index))
        _relay(peer, (host, port), b"HTTP/1.1 200 Connection established\r\n\r\n")

    return handler


def socks5(port: int, *, host: str = "127.0.0.1", credentials: tuple[bytes, bytes] | None = None) -> Handler:
    """A SOCKS5 proxy (RFC 1928; RFC 1929 username and password when ``credentials`` are given).

    The CONNECT request is recorded in ``server.requests`` as a head ``CONNECT host:port`` (the
    host as the client named it); the connection goes to ``host:port`` whatever it names.
    """

    def handler(peer: Peer) -> None:
        version, count = peer.read_exactly(2)
        methods = peer.read_exactly(count)
        assert version == 5, version
        wanted = 2 if credentials else 0
        if wanted not in methods:
            peer.send(b"\x05\xff")
            return
        peer.send(bytes([5, wanted]))
        if credentials:
            _, size = peer.read_exactly(2)
            user = peer.read_exactly(size)
            password = peer.read_exactly(peer.read_exactly(1)[0])
            if (user, password) != credentials:
                peer.send(b"\x01\x01")
                return
            peer.send(b"\x01\x00")
        _, command, _, kind = peer.read_exactly(4)
        assert command == 1, command  # CONNECT
        if kind == 3:
            target = peer.read_exactly(peer.read_exactly(1)[0]).decode()
        elif kind == 1:
            target = socket.inet_ntoa(peer.read_exactly(4))
        else:
            target = socket.inet_ntop(socket.AF_INET6, peer.read_exactly(16))
        target_port = int.from_bytes(peer.read_exactly(2), "big")
        with peer.server.lock:
            peer.server.requests.append(Captured(f"CONNECT {target}:{target_port}".encode(), b"", b"", peer.index))
        _relay(peer, (host, port), b"\x05\x00\x00\x01\x7f\x00\x00\x01" + port.to_bytes(2, "big"))

    return handler


def _relay(peer: Peer, address: tuple[str, int], answer: bytes) -> None:
    """Connect to ``address``, tell the client with ``answer``, then copy bytes both ways until both close."""
    upstream = socket.create_connection(address, timeout=WAIT)
    with upstream:
        peer.send(answer)
        if peer.buffer:
            upstream.sendall(peer.buffer)
        back = threading.Thread(target=_pump, args=(upstream, peer.sock), daemon=True)
        back.start()
        _pump(peer.sock, upstream)
        back.join(WAIT)


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


# Helpers for the tests that run sacli against these servers.


def keyed(env: dict[str, str], base_url: str, **extra: str) -> dict[str, str]:
    """``env`` with both keys, pointed at ``base_url``.

    ``env`` has no proxy variables but NO_PROXY=*; that and any SSL_CERT_FILE / SSL_CERT_DIR go too,
    so the proxy and trust settings are exactly the ``extra`` ones.
    """
    dropped = ("no_proxy", "ssl_cert_file", "ssl_cert_dir")
    kept = {name: value for name, value in env.items() if name.lower() not in dropped}
    return {
        **kept,
        "SACLI_BASE_URL": base_url,
        "OPENROUTER_KEY": OPENROUTER_KEY,
        "SUPER_AGENT_KEY": SUPER_AGENT_KEY,
        **extra,
    }


def one_error_line(stderr: bytes) -> str:
    """The single line sacli wrote to stderr, which must be its error line."""
    assert b"Traceback" not in stderr
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("sacli: error: "), lines
    return lines[0]


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


def event_stream(body: bytes, *, head: bytes = b"") -> Handler:
    """Answer one request with a chunked SSE reply carrying ``body``, a chunk per event."""

    def handler(peer: Peer) -> None:
        peer.read_request()
        events = [part + b"\n\n" for part in body.split(b"\n\n") if part]
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n" + head)
        peer.send(b"\r\n")
        for item in events:
            peer.send(chunked(item))
        peer.send(b"0\r\n\r\n")
        peer.wait_closed()

    return handler


def trickled_head(peer: Peer) -> None:
    """A status line and headers that never end, one byte every 20 ms (each well within an idle timeout),
    until the client hangs up."""
    assert peer.read_request() is not None
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Pad-%d: a\r\n" % n for n in range(10000))
    for index in range(len(head)):
        # The server's pace; a readable socket is the client hanging up.
        if select.select([peer.sock], [], [], 0.02)[0]:
            return
        peer.send(head[index : index + 1])


def json_reply(payload: object) -> bytes:
    body = json.dumps(payload).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def answer_json(payload: object) -> Handler:
    """Answer every request on the connection with ``payload``, until the client closes."""

    def handler(peer: Peer) -> None:
        while peer.read_request() is not None:
            peer.send(json_reply(payload))

    return handler


# TLS


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(directory: Path, name: str = "server") -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, made by the openssl command."""
    openssl = require_tool("openssl")
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return Certificate(cert, key)
