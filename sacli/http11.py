"""HTTP/1.1 over the standard library's socket (and ssl for https): the client all of sacli uses.

sacli sends a few requests a run and streams one reply. It needs HTTP/1.1 framing
(Content-Length, chunked, read to close), TLS, proxies from the environment, one kept-alive
connection and gzip/deflate bodies; that is all this module does. A general-purpose client
would cost more start-up time than the whole of sacli (see docs/performance.md).

Failures are ``Failure`` subclasses carrying ``where`` (host:port) and a lower-case reason;
``sacli.transport`` turns them into sacli's errors and exit codes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    import ssl

RECV_SIZE = 256 * 1024
SEND_SIZE = 64 * 1024
MAX_HEAD = 64 * 1024
HEX_DIGITS = b"0123456789abcdefABCDEF"
DEFAULT_HEADERS = (("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"))
PATH_SAFE = "/%:@!$&'()*+,;=-._~"
FRAMING = frozenset({"content-length", "transfer-encoding"})
INCOMPLETE_HEAD = "server disconnected in the middle of the reply's headers"
INCOMPLETE_CHUNKED = "peer closed connection without sending complete message body (incomplete chunked read)"


class Failure(Exception):
    """The request failed below HTTP: there is no status to report."""

    def __init__(self, reason: str, where: str = "the server") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


class ConnectFailed(Failure):
    """No connection: DNS, refused, TLS handshake, or a proxy that would not tunnel."""


class ConnectTimeout(Failure):
    pass


class ReadTimeout(Failure):
    pass


class WriteTimeout(Failure):
    pass


class ConnectionLost(Failure):
    """The connection broke or the server's reply was not valid HTTP/1.1."""


class NotAnswered(ConnectionLost):
    """The connection broke before a byte of the reply arrived: safe to send again on a new one."""


class InvalidURL(Failure):
    pass


class Unsendable(Failure):
    """The request cannot be written: a bad header, an unsupported proxy."""


class DecodeFailed(Failure):
    pass


def reason_of(exc: BaseException) -> str:
    """``[Errno 111] Connection refused`` -> ``connection refused``."""
    text = str(exc) or type(exc).__name__
    if text.startswith("[Errno") and "] " in text:
        text = text.split("] ", 1)[1]
    text = text.removesuffix(".")
    return text[:1].lower() + text[1:]


class URL:
    """An http(s) URL split into what a request needs."""

    __slots__ = ("host", "path", "port", "scheme", "target", "userinfo")

    def __init__(self, url: str, params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None) -> None:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise InvalidURL(f"{url!r}: {reason_of(exc)}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise InvalidURL(f"{url!r}: the scheme must be http or https")
        if not parts.hostname:
            raise InvalidURL(f"{url!r} has no host")
        self.scheme = scheme
        self.host = _ascii_host(parts.hostname, url)
        self.port = port or (443 if scheme == "https" else 80)
        self.path = quote(parts.path or "/", safe=PATH_SAFE)
        query = quote(parts.query, safe=PATH_SAFE + "?")
        if params:
            extra = urlencode(params, doseq=True, quote_via=quote)
            query = f"{query}&{extra}" if query else extra
        self.target = f"{self.path}?{query}" if query else self.path
        self.userinfo = parts.username, parts.password

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def _ascii_host(host: str, url: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidURL(f"{url!r}: the host name is not valid") from None


class Headers:
    """Response headers: case-insensitive ``get``, ``items`` in the order received."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._first: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            self._first[key] = f"{self._first[key]}, {value}" if key in self._first else value

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class Request:
    """What will be written: the method, URL and exact header list (the body apart)."""

    def __init__(
        self,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        body: bytes | Iterable[bytes] | None,
    ) -> None:
        self.method = method
        self.url = url
        self.body = body
        given = {name.lower() for name in headers}
        listed = [("Host", url.authority)] if "host" not in given else []
        listed += [(name, value) for name, value in DEFAULT_HEADERS if name.lower() not in given]
        # The body's framing is this module's: a caller may give the length of a streamed body only.
        framing = {"transfer-encoding"} if body is not None and not isinstance(body, bytes) else FRAMING
        listed += [(name, value) for name, value in headers.items() if name.lower() not in framing]
        if isinstance(body, bytes):
            if body or method in ("POST", "PUT", "PATCH"):
                listed.append(("Content-Length", str(len(body))))
            self.chunked = False
        else:
            self.chunked = body is not None and "content-length" not in given
            if self.chunked:
                listed.append(("Transfer-Encoding", "chunked"))
        for name, value in listed:
            _check_header(name, value)
        self.headers = listed

    def head(self, *, absolute: bool, extra: Sequence[tuple[str, str]] = ()) -> bytes:
        target = str(self.url) if absolute else self.url.target
        lines = [f"{self.method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in (*self.headers, *extra)), "", ""]
        return "\r\n".join(lines).encode("utf-8")


def _check_header(name: str, value: str) -> None:
    if not name or any(c in name for c in " \t\r\n:\0") or not name.isascii():
        raise Unsendable(f"invalid header name {name!r}")
    if any(c in value for c in "\r\n\0"):
        raise Unsendable(f"invalid value for header {name!r}")


class Proxy:
    __slots__ = ("authorization", "url")

    def __init__(self, url: URL, authorization: str | None) -> None:
        self.url = url
        self.authorization = authorization

    @property
    def key(self) -> tuple[str, int, str | None]:
        return self.url.host, self.url.port, self.authorization


def proxy_for(url: URL, environ: Mapping[str, str] = os.environ) -> Proxy | None:
    """The proxy from ``{scheme}_proxy`` or ``all_proxy`` (lower case first), unless ``no_proxy`` matches."""
    if _bypassed(url.host, url.port, _env(environ, "no_proxy") or ""):
        return None
    for name in (f"{url.scheme}_proxy", "all_proxy"):
        for variable in (name, name.upper()):
            if value := environ.get(variable):
                return _parse_proxy(value, variable)
    return None


def _env(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name) or environ.get(name.upper())


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    host = host.lower().rstrip(".")
    for entry in no_proxy.replace(" ", "").lower().split(","):
        if entry == "*":
            return True
        if not entry:
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        name = name.lstrip("*").lstrip(".").strip("[]")
        if entry_port and entry_port != str(port):
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


def _parse_proxy(value: str, name: str) -> Proxy:
    text = value if "://" in value else f"http://{value}"
    if not text.lower().startswith("http://"):
        raise Unsendable(f"{name}: only http:// proxies are supported, got {value!r}")
    try:
        url = URL(text)
    except InvalidURL as exc:
        raise Unsendable(f"{name} is not a proxy URL: {exc.reason}") from None
    user, password = url.userinfo
    authorization = None
    if user is not None:
        from base64 import b64encode

        credentials = f"{unquote(user)}:{unquote(password or '')}".encode()
        authorization = "Basic " + b64encode(credentials).decode("ascii")
    return Proxy(url, authorization)


_tls_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured); certifi's when the system has none."""
    global _tls_context
    if _tls_context is None:
        import ssl

        context = ssl.create_default_context()
        if not context.cert_store_stats()["x509_ca"] and not os.environ.get("SSL_CERT_DIR"):
            try:
                import certifi
            except ImportError:
                pass
            else:
                context.load_verify_locations(cafile=certifi.where())
        context.set_alpn_protocols(["http/1.1"])
        _tls_context = context
    return _tls_context


class Connection:
    __slots__ = ("key", "sock", "unread", "where")

    def __init__(self, sock: socket.socket, key: tuple[Any, ...], where: str) -> None:
        self.sock = sock
        self.key = key
        self.where = where
        # Reads what the last reply's reader left of its body; True when the body ended.
        self.unread: Callable[[], bool] | None = None

    def ready(self) -> bool:
        """Whether the connection can carry the next request: the last body ended, or has now, without waiting."""
        unread, self.unread = self.unread, None
        if unread is None:
            return True
        timeout = self.sock.gettimeout()
        self.sock.settimeout(0)
        try:
            return unread()
        finally:
            self.sock.settimeout(timeout)

    def send(self, data: bytes | memoryview) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise WriteTimeout("timed out sending the request", self.where) from None
        except OSError as exc:
            raise ConnectionLost(reason_of(exc), self.where) from None

    def recv(self) -> bytes:
        try:
            return self.sock.recv(RECV_SIZE)
        except TimeoutError:
            raise ReadTimeout("no data", self.where) from None
        except OSError as exc:
            raise ConnectionLost(reason_of(exc), self.where) from None

    def close(self) -> None:
        self.sock.close()


def read_head(conn: Connection, data: bytes = b"") -> tuple[str, int, str, list[tuple[str, str]], bytes]:
    """(version, status, reason, headers, bytes after the head), skipping 1xx interim replies."""
    while True:
        end, skip = _head_end(data)
        while end < 0:
            if len(data) > MAX_HEAD:
                raise ConnectionLost("the reply's headers are too long", conn.where)
            try:
                more = conn.recv()
            except ConnectionLost as exc:
                raise (NotAnswered(exc.reason, exc.where) if not data else exc) from None
            if not more:
                if not data:
                    raise NotAnswered("server disconnected without sending a response", conn.where)
                raise ConnectionLost(INCOMPLETE_HEAD, conn.where)
            data += more
            end, skip = _head_end(data)
        lines = data[:end].decode("latin-1").split("\n")
        data = data[end + skip :]
        version, status, reason = _status_line(lines[0].rstrip("\r"), conn.where)
        if 100 <= status < 200 and status != 101:
            continue
        return version, status, reason, _header_lines(lines[1:], conn.where), data


def _head_end(data: bytes) -> tuple[int, int]:
    crlf = data.find(b"\r\n\r\n")
    lf = data.find(b"\n\n")
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, 2
    return crlf, 4


def _status_line(line: str, where: str) -> tuple[str, int, str]:
    version, _, rest = line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ConnectionLost(f"the reply is not HTTP/1.1: {line[:80]!r}", where)
    return version, int(code), reason.strip()


def _header_lines(lines: list[str], where: str) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ConnectionLost(f"invalid header line in the reply: {line[:80]!r}", where)
        headers.append((name, value.strip()))
    return headers


class Response:
    """A reply whose body is read as it arrives: ``iter_raw``, ``iter_bytes`` or ``read``, once."""

    def __init__(
        self,
        client: Client,
        conn: Connection,
        request: Request,
        head: tuple[str, int, str, list[tuple[str, str]], bytes],
    ) -> None:
        self.http_version, self.status_code, self.reason_phrase, header_list, self._leftover = head
        self.headers = Headers(header_list)
        self.url = request.url
        self._client = client
        self._conn: Connection | None = conn
        self._complete = False
        self._pieces: Iterator[bytes] | None = None
        self._content: bytes | None = None
        self._length: int | None = None
        self._chunked = False
        transfer = (self.headers.get("transfer-encoding") or "").lower()
        if request.method == "HEAD" or self.status_code in (204, 304):
            self._length = 0
        elif transfer:
            self._chunked = transfer.rsplit(",", 1)[-1].strip() == "chunked"
        elif "content-length" in self.headers:
            text = self.headers["content-length"].split(",")[0].strip()
            if not text.isdigit():
                raise ConnectionLost(f"invalid Content-Length in the reply: {text[:40]!r}", conn.where)
            self._length = int(text)
        connection = (self.headers.get("connection") or "").lower()
        self._keep_alive = (
            "close" not in connection
            and (self.http_version != "HTTP/1.0" or "keep-alive" in connection)
            and (self._chunked or self._length is not None)
        )

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._keep_alive and (self._complete or self._pieces is not None):
            # A reader that stopped early (at the stream's [DONE], say) leaves the end of the body
            # unread; it has usually arrived by the next request, which then needs no new connection.
            if not self._complete:
                conn.unread = self._finish_unread
            self._client.keep(conn)
        else:
            conn.close()

    def _finish_unread(self) -> bool:
        assert self._pieces is not None
        try:
            for _ in self._pieces:
                pass
        except (Failure, ValueError):  # nothing more has arrived yet, or the generator is still running
            return False
        return self._complete

    def iter_raw(self) -> Iterator[bytes]:
        """The body as sent (still compressed if it was), in pieces as they arrive."""
        if self._conn is None or self._pieces is not None:
            raise RuntimeError("the response body was already read or closed")
        self._pieces = self._body(self._conn)
        for piece in self._pieces:
            if piece:
                yield piece

    def _body(self, conn: Connection) -> Iterator[bytes]:
        if self._chunked:
            yield from self._read_chunked(conn)
        elif self._length is not None:
            yield from self._read_length(conn, self._length)
        else:
            yield from self._read_to_close(conn)
        self._complete = True

    def iter_bytes(self) -> Iterator[bytes]:
        """The body decoded from gzip or deflate when the server used either."""
        encoding = (self.headers.get("content-encoding") or "identity").lower().strip()
        if encoding not in ("gzip", "x-gzip", "deflate"):
            yield from self.iter_raw()
            return
        import zlib

        decoder = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS)
        first = True
        try:
            for piece in self.iter_raw():
                if first and encoding == "deflate" and piece[:1] and (piece[0] & 0x0F) != 8:
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
                first = False
                if data := decoder.decompress(piece):
                    yield data
            if data := decoder.flush():
                yield data
            if not decoder.eof:
                raise DecodeFailed(f"the {encoding} body ends before its end marker", self.url.where)
        except zlib.error as exc:
            raise DecodeFailed(f"the {encoding} body is corrupt: {exc}", self.url.where) from None

    def read(self) -> bytes:
        if self._content is None:
            self._content = b"".join(self.iter_bytes())
        return self._content

    def _read_length(self, conn: Connection, length: int) -> Iterator[bytes]:
        recv = conn.recv
        data, self._leftover = self._leftover, b""
        received = 0
        while True:
            if len(data) > length - received:
                data = data[: length - received]
            received += len(data)
            yield data
            if received >= length:
                return
            data = recv()
            if not data:
                raise ConnectionLost(
                    "peer closed connection without sending complete message body "
                    f"(received {received} bytes, expected {length})",
                    conn.where,
                )

    def _read_to_close(self, conn: Connection) -> Iterator[bytes]:
        recv = conn.recv
        data, self._leftover = self._leftover, b""
        if data:
            yield data
        while data := recv():
            yield data

    def _read_chunked(self, conn: Connection) -> Iterator[bytes]:
        """Chunk data in pieces; what one read brought is joined into one piece before the next read."""
        buf, self._leftover = self._leftover, b""
        pos = 0
        ready: list[bytes] = []

        def refill() -> bytes:
            data = conn.recv()
            if not data:
                raise ConnectionLost(INCOMPLETE_CHUNKED, conn.where)
            return data

        while True:
            end = buf.find(b"\n", pos)
            while end < 0:
                if len(buf) - pos > MAX_HEAD:
                    raise ConnectionLost("a chunk-size line in the reply is too long", conn.where)
                if ready:
                    yield b"".join(ready)
                    ready = []
                buf = buf[pos:] + refill()
                pos = 0
                end = buf.find(b"\n")
            size_text = buf[pos:end].split(b";", 1)[0].strip()
            pos = end + 1
            if not size_text or size_text.strip(HEX_DIGITS):
                raise ConnectionLost(f"invalid chunk size in the reply: {size_text[:20]!r}", conn.where)
            size = int(size_text, 16)
            if size == 0:
                if ready:
                    yield b"".join(ready)
                _skip_trailers(conn, buf[pos:])
                return
            while size:
                if pos >= len(buf):
                    if ready:
                        yield b"".join(ready)
                        ready = []
                    buf = refill()
                    pos = 0
                take = min(size, len(buf) - pos)
                ready.append(buf[pos : pos + take])
                pos += take
                size -= take
            # The line break that ends the chunk's data.
            while len(buf) - pos < 2 and not buf.startswith(b"\n", pos):
                if ready:
                    yield b"".join(ready)
                    ready = []
                buf = buf[pos:] + refill()
                pos = 0
            if buf.startswith(b"\r\n", pos):
                pos += 2
            elif buf.startswith(b"\n", pos):
                pos += 1
            else:
                raise ConnectionLost("a chunk in the reply is longer than its size line says", conn.where)


def _skip_trailers(conn: Connection, data: bytes) -> None:
    while True:
        if data.startswith((b"\r\n", b"\n")):
            return
        if data.find(b"\n\r\n") >= 0 or data.find(b"\n\n") >= 0:
            return
        if len(data) > MAX_HEAD:
            raise ConnectionLost("the reply's trailers are too long", conn.where)
        more = conn.recv()
        if not more:
            raise ConnectionLost(INCOMPLETE_CHUNKED, conn.where)
        data += more


class Client:
    """Sends requests, keeping at most one idle connection for the next request to the same place."""

    def __init__(self, *, connect_timeout: float | None, idle_timeout: float | None) -> None:
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self._idle: Connection | None = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        idle, self._idle = self._idle, None
        if idle is not None:
            idle.close()

    def keep(self, conn: Connection) -> None:
        self.close()
        self._idle = conn

    def build(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | Iterable[bytes] | None = None,
        params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
    ) -> Request:
        return Request(method.upper(), URL(url, params), headers, body)

    def send(self, request: Request) -> Response:
        """Write the request and read the reply's head; the body is left to the ``Response``."""
        url = request.url
        proxy = proxy_for(url)
        key = (url.scheme, url.host, url.port, proxy.key if proxy else None)
        repeatable = request.body is None or isinstance(request.body, bytes)
        idle, self._idle = self._idle, None
        if idle is not None and (idle.key != key or not repeatable or not idle.ready()):
            idle.close()
            idle = None
        if idle is not None:
            try:
                return self._exchange(idle, request, proxy)
            except NotAnswered:
                idle.close()  # the server closed the kept connection while it sat idle: one fresh try
        conn = self._connect(url, proxy, key)
        try:
            return self._exchange(conn, request, proxy)
        except BaseException:
            conn.close()
            raise

    def _exchange(self, conn: Connection, request: Request, proxy: Proxy | None) -> Response:
        absolute = proxy is not None and request.url.scheme == "http"
        extra = [("Proxy-Authorization", proxy.authorization)] if absolute and proxy and proxy.authorization else []
        head = request.head(absolute=absolute, extra=extra)
        body = request.body
        try:
            if isinstance(body, bytes) and len(body) <= SEND_SIZE:
                conn.send(head + body)
            elif isinstance(body, bytes):
                conn.send(head)
                # Piece by piece: the idle timeout then bounds each send, not the whole body.
                view = memoryview(body)
                for start in range(0, len(body), SEND_SIZE):
                    conn.send(view[start : start + SEND_SIZE])
            else:
                conn.send(head)
                if body is not None:
                    self._send_stream(conn, body, chunked=request.chunked)
        except ConnectionLost as exc:
            # A server may answer (413, 401) and close before reading the whole body: report its answer.
            try:
                return Response(self, conn, request, read_head(conn))
            except Failure:
                pass
            raise NotAnswered(exc.reason, exc.where) from None
        return Response(self, conn, request, read_head(conn))

    @staticmethod
    def _send_stream(conn: Connection, body: Iterable[bytes], *, chunked: bool) -> None:
        for piece in body:
            if piece:
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            conn.send(b"0\r\n\r\n")

    def _connect(self, url: URL, proxy: Proxy | None, key: tuple[Any, ...]) -> Connection:
        hop = proxy.url if proxy else url
        try:
            # An ASCII bytes host spares getaddrinfo its import of the idna codec.
            sock = socket.create_connection((hop.host.encode("ascii"), hop.port), timeout=self.connect_timeout)
        except TimeoutError:
            raise ConnectTimeout("no answer", hop.where) from None
        except OSError as exc:
            raise ConnectFailed(reason_of(exc), hop.where) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(sock, key, url.where)
        try:
            if proxy is not None and url.scheme == "https":
                self._tunnel(conn, url, proxy)
            if url.scheme == "https":
                conn.sock = self._wrap_tls(sock, url)
        except BaseException:
            conn.close()
            raise
        conn.sock.settimeout(self.idle_timeout)
        return conn

    def _tunnel(self, conn: Connection, url: URL, proxy: Proxy) -> None:
        lines = [f"CONNECT {url.where} HTTP/1.1", f"Host: {url.where}"]
        if proxy.authorization:
            lines.append(f"Proxy-Authorization: {proxy.authorization}")
        conn.where = proxy.url.where
        try:
            conn.send(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
            _, status, reason, _, _ = read_head(conn)
        except (ConnectionLost, ReadTimeout) as exc:
            raise ConnectFailed(f"the proxy failed to open a tunnel: {exc.reason}", proxy.url.where) from None
        if not 200 <= status < 300:
            raise ConnectFailed(f"the proxy refused the tunnel: {status} {reason}".rstrip(), proxy.url.where)
        conn.where = url.where

    def _wrap_tls(self, sock: socket.socket, url: URL) -> socket.socket:
        import ssl

        try:
            return tls_context().wrap_socket(sock, server_hostname=url.host)
        except TimeoutError:
            raise ConnectTimeout("no answer to the TLS handshake", url.where) from None
        except ssl.SSLCertVerificationError as exc:
            raise ConnectFailed(f"certificate verify failed: {exc.verify_message}", url.where) from None
        except ssl.SSLError as exc:
            raise ConnectFailed(_tls_reason(exc), url.where) from None
        except OSError as exc:
            raise ConnectFailed(reason_of(exc), url.where) from None


def _tls_reason(exc: OSError) -> str:
    """``[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)`` -> ``wrong version number``."""
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    if text.startswith("[SSL") and "] " in text:
        text = text.split("] ", 1)[1]
    return reason_of(Exception(text.split(" (_ssl.c:")[0]))
