"""sacli.http11.Client against real servers on 127.0.0.1: the bytes it reads and the bytes it writes.

Every server here is a raw socket in a thread (tests/rawserver.py), so a test controls the reply
byte for byte (bare line feeds, a reply before the request's body was read, a piece held back
until the test says so) and sees the request exactly as it went over the wire.
"""

from __future__ import annotations

import base64
import gzip
import socket
import threading
import zlib
from collections.abc import Iterator

import pytest

from sacli import http11
from tests.rawserver import WAIT, Certificate, Handler, Peer, RawServer, answer_each, reply, self_signed, tunnel

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def has_ipv6_loopback() -> bool:
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback (::1) here")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own proxy settings must not reach these tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def new_client() -> http11.Client:
    return http11.Client(connect_timeout=WAIT, idle_timeout=WAIT)


Body = bytes | Iterator[bytes] | list[bytes] | None


def send(
    client: http11.Client,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: Body = None,
    params: list[tuple[str, str]] | None = None,
) -> http11.Response:
    return client.send(client.build(method, url, headers=headers or {}, body=body, params=params))


def fetch(
    client: http11.Client,
    url: str,
    method: str = "GET",
    *,
    headers: dict[str, str] | None = None,
    body: Body = None,
    params: list[tuple[str, str]] | None = None,
) -> bytes:
    """Send one request and read its whole (decoded) body."""
    with send(client, method, url, headers=headers, body=body, params=params) as response:
        return response.read()


def ok(body: bytes) -> bytes:
    """A whole 200 reply with a Content-Length."""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


def held_until(done: threading.Event, *pieces: bytes) -> Handler:
    """Read one request, send ``pieces`` and keep the connection open until the test sets ``done``.

    A client that waits for the connection to close before it hands over the body fails the test
    (the handler gives up after WAIT seconds) instead of passing slowly.
    """

    def handler(peer: Peer) -> None:
        peer.read_request()
        for piece in pieces:
            peer.send(piece)
        if not done.wait(WAIT):
            raise AssertionError("the client did not finish the reply while the connection stayed open")

    return handler


def in_turn(*replies: bytes) -> Handler:
    """Answer the connection's first request with the first reply, and so on; then wait for the close."""

    def handler(peer: Peer) -> None:
        for answer in replies:
            if peer.read_request() is None:
                return
            peer.send(answer)
        extra = peer.wait_closed()
        assert not extra, f"more requests than replies on one connection: {extra[:200]!r}"

    return handler


# --- Reading a reply: framing -----------------------------------------------------------------


def test_a_content_length_body_ends_where_the_length_says() -> None:
    done = threading.Event()
    head = (
        b"HTTP/1.1 200 Fine Thanks\r\nContent-Length: 11\r\nX-Twice: a\r\nx-twice: b\r\nX-Folded: one\r\n\ttwo\r\n\r\n"
    )
    with RawServer(held_until(done, head, b"hello", b" world")) as server, new_client() as client:
        with send(client, "GET", server.url()) as response:
            assert (response.status_code, response.reason_phrase, response.http_version) == (
                200,
                "Fine Thanks",
                "HTTP/1.1",
            )
            assert response.headers["x-twice"] == "a, b"
            assert response.headers["x-folded"] == "one two"  # an obsolete folded line, unfolded
            assert response.headers.items()[:2] == [("Content-Length", "11"), ("X-Twice", "a")]
            assert response.read() == b"hello world"
        done.set()


def test_bytes_past_the_content_length_are_not_part_of_the_body() -> None:
    with (
        RawServer(reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more")) as server,
        new_client() as client,
    ):
        assert fetch(client, server.url()) == b"hello"


def test_chunked_body_with_extensions_and_trailers_then_the_connection_is_reused() -> None:
    first = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n"
        b'6 ; name="quoted;value"\r\n world\r\n'
        b"0;last\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n"
    )
    with RawServer(in_turn(first, ok(b"second"))) as server, new_client() as client:
        assert fetch(client, server.url("/1")) == b"hello world"
        # The trailers were consumed whole: the next reply on the same connection reads cleanly.
        assert fetch(client, server.url("/2")) == b"second"
    assert server.accepted == 1


def test_bare_line_feeds_in_the_head_chunk_lines_and_trailers() -> None:
    body = b"HTTP/1.1 200 OK\nContent-Type: text/plain\nTransfer-Encoding: chunked\n\n5\nhello\n1;x=y\n!\n0\nT: 1\n\n"
    with RawServer(in_turn(body, ok(b"next"))) as server, new_client() as client:
        with send(client, "GET", server.url()) as response:
            assert response.headers["content-type"] == "text/plain"
            assert response.read() == b"hello!"
        assert fetch(client, server.url()) == b"next"
    assert server.accepted == 1


def test_http_1_0_without_content_length_is_read_until_the_server_closes() -> None:
    handler = reply(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst,", b" then more", b" and the end")
    with RawServer(handler) as server, new_client() as client:
        with send(client, "GET", server.url()) as response:
            assert response.http_version == "HTTP/1.0"
            assert response.read() == b"first, then more and the end"
        assert fetch(client, server.url()) == b"first, then more and the end"
    assert server.accepted == 2  # a reply that ends with the connection leaves nothing to reuse


def test_interim_1xx_replies_are_skipped() -> None:
    handler = reply(
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone",
    )
    with (
        RawServer(handler) as server,
        new_client() as client,
        send(client, "POST", server.url(), body=b"{}") as response,
    ):
        assert response.status_code == 201
        assert "link" not in response.headers
        assert response.read() == b"done"


def test_interim_reply_and_final_reply_in_one_piece() -> None:
    handler = reply(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    with RawServer(handler) as server, new_client() as client, send(client, "GET", server.url()) as response:
        assert response.status_code == 200
        assert response.read() == b"ok"


@pytest.mark.parametrize(
    ("method", "head"),
    [
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("DELETE", b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n"),
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
    ],
    ids=["204", "204-with-length", "304-with-length", "head-with-length"],
)
def test_replies_without_a_body_end_at_their_head(method: str, head: bytes) -> None:
    done = threading.Event()
    with RawServer(held_until(done, head)) as server, new_client() as client:
        with send(client, method, server.url()) as response:
            assert response.read() == b""
        done.set()


def test_a_non_http_status_line_is_a_lost_connection() -> None:
    with (
        RawServer(reply(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as server,
        new_client() as client,
        pytest.raises(http11.ConnectionLost) as caught,
    ):
        send(client, "GET", server.url())
    assert caught.value.reason == "the reply is not HTTP/1.1: 'SSH-2.0-OpenSSH_9.6'"
    assert caught.value.where == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    ("reply_bytes", "reason"),
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n",
            "invalid chunk size in the reply: b'zz'",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
            "invalid chunk size in the reply: b'-5'",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
            "a chunk in the reply is longer than its size line says",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            "peer closed connection without sending complete message body (received 3 bytes, expected 10)",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            "peer closed connection without sending complete message body (incomplete chunked read)",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "peer closed connection without sending complete message body (incomplete chunked read)",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n",
            "peer closed connection without sending complete message body (incomplete chunked read)",
        ),
    ],
    ids=[
        "bad-hex",
        "negative",
        "chunk-too-long",
        "length-cut-short",
        "no-last-chunk",
        "chunk-cut-short",
        "trailers-cut-short",
    ],
)
def test_a_broken_body_is_a_lost_connection(reply_bytes: bytes, reason: str) -> None:
    with (
        RawServer(reply(reply_bytes)) as server,
        new_client() as client,
        send(client, "GET", server.url()) as response,
        pytest.raises(http11.ConnectionLost) as caught,
    ):
        response.read()
    assert caught.value.reason == reason
    assert caught.value.where == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    ("reply_bytes", "reason"),
    [
        (b"", "server disconnected without sending a response"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "server disconnected in the middle of the reply's headers"),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "invalid header line in the reply: 'no colon'"),
        (b"HTTP/1.1 200 OK\r\n Name: v\r\n\r\n", "invalid header line in the reply: ' Name: v'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", "invalid Content-Length in the reply: '12abc'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length in the reply: '-1'"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "the reply is not HTTP/1.1: 'HTTP/1.1 2000 OK'"),
        (b"HTTP/2 200\r\n\r\n", "the reply is not HTTP/1.1: 'HTTP/2 200'"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 400_000, "the reply's headers are too long"),
    ],
    ids=[
        "nothing",
        "head-cut-short",
        "no-colon",
        "leading-space",
        "bad-length",
        "negative-length",
        "bad-status",
        "http2",
        "endless-head",
    ],
)
def test_a_broken_head_is_a_lost_connection(reply_bytes: bytes, reason: str) -> None:
    with (
        RawServer(reply(reply_bytes)) as server,
        new_client() as client,
        pytest.raises(http11.ConnectionLost) as caught,
    ):
        send(client, "GET", server.url())
    assert caught.value.reason == reason


# --- Pieces are handed over as they arrive -------------------------------------------------------


@pytest.mark.parametrize("framing", ["chunked", "content-length", "close"])
def test_each_piece_is_yielded_before_the_next_bytes_arrive(framing: str) -> None:
    first, second = b"data: first\n\n", b"data: second\n\n"
    if framing == "chunked":
        head, pieces = b"Transfer-Encoding: chunked", (chunked(first), chunked(second) + b"0\r\n\r\n")
    elif framing == "content-length":
        head, pieces = b"Content-Length: %d" % len(first + second), (first, second)
    else:
        head, pieces = b"Connection: close", (first, second)
    received = threading.Event()

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\n" + pieces[0])
        if not received.wait(WAIT):
            raise AssertionError("the client held the first piece back until more bytes came")
        peer.send(pieces[1])

    with RawServer(handler) as server, new_client() as client, send(client, "GET", server.url()) as response:
        chunks = response.iter_bytes()
        assert next(chunks) == first
        received.set()
        assert b"".join(chunks) == second


def test_a_chunk_split_across_reads_is_yielded_in_parts() -> None:
    received = threading.Event()

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\nhalf ")
        if not received.wait(WAIT):
            raise AssertionError("the client held back the part of the chunk it had")
        peer.send(b"a chunk\r\n0\r\n\r\n")

    with RawServer(handler) as server, new_client() as client, send(client, "GET", server.url()) as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"half "
        received.set()
        assert list(chunks) == [b"a chunk"]


# --- Content-Encoding --------------------------------------------------------------------------

TEXT = b"The quick brown fox jumps over the lazy dog. " * 200


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("gzip", gzip.compress(TEXT, mtime=0)),
        ("x-gzip", gzip.compress(TEXT, mtime=0)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw"],
)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_compressed_bodies_are_decoded_and_iter_raw_leaves_them_alone(
    encoding: str, encoded: bytes, framing: str
) -> None:
    if framing == "chunked":
        thirds = len(encoded) // 3
        pieces = (encoded[:1], encoded[1:thirds], encoded[thirds:])  # one byte first: the sniffing must cope
        body = chunked(*pieces) + b"0\r\n\r\n"
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nTransfer-Encoding: chunked\r\n\r\n"
    else:
        body = encoded
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {len(encoded)}\r\n\r\n"
    with RawServer(in_turn(head.encode() + body, head.encode() + body)) as server, new_client() as client:
        assert fetch(client, server.url()) == TEXT
        with send(client, "GET", server.url()) as response:
            assert b"".join(response.iter_raw()) == encoded


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"this is not gzip at all"),
        ("gzip", gzip.compress(TEXT, mtime=0)[:10] + b"\xff" * 40),
        ("deflate", b"\x78\x9c garbage that is no deflate stream"),
    ],
    ids=["not-gzip", "gzip-bad-block", "deflate-bad-block"],
)
def test_a_corrupt_compressed_body_fails_to_decode(encoding: str, body: bytes) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with (
        RawServer(reply(head + body)) as server,
        new_client() as client,
        send(client, "GET", server.url()) as response,
        pytest.raises(http11.DecodeFailed) as caught,
    ):
        response.read()
    assert caught.value.reason.startswith(f"the {encoding} body is corrupt: ")
    assert caught.value.where == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("gzip", gzip.compress(TEXT, mtime=0)[:-30]), ("deflate", zlib.compress(TEXT)[:-30])],
    ids=["gzip", "deflate"],
)
def test_a_compressed_stream_that_stops_short_fails_to_decode(encoding: str, body: bytes) -> None:
    # The HTTP framing is complete; only the compressed stream's own end marker is missing.
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with (
        RawServer(reply(head + body)) as server,
        new_client() as client,
        send(client, "GET", server.url()) as response,
        pytest.raises(http11.DecodeFailed) as caught,
    ):
        response.read()
    assert caught.value.reason == f"the {encoding} body ends before its end marker"


# --- Writing a request ---------------------------------------------------------------------------


def captured_request(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: Body = None,
    params: list[tuple[str, str]] | None = None,
) -> tuple[RawServer, list[str], bytes, bytes]:
    """Send one request to a raw server: (server, head lines as sent, raw body, de-chunked body)."""
    with RawServer(reply(ok(b""))) as server, new_client() as client:
        fetch(client, server.url(path), method, headers=headers, body=body, params=params)
    (request,) = server.requests
    return server, request.lines, request.raw_body, request.body


def test_request_line_host_and_default_headers() -> None:
    server, lines, raw, _ = captured_request(
        "get", "/api/v1/p ath/ü?x=1#fragment", headers={"X-Custom": "1"}, params=[("tags", "a b"), ("tags", "c")]
    )
    assert lines == [
        "GET /api/v1/p%20ath/%C3%BC?x=1&tags=a%20b&tags=c HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Accept: */*",
        "Accept-Encoding: gzip, deflate",
        "X-Custom: 1",
    ]
    assert raw == b""


def test_a_callers_header_replaces_the_default_whatever_its_case() -> None:
    _, lines, _, _ = captured_request(
        "GET", "/", headers={"accept": "application/json", "ACCEPT-ENCODING": "identity", "hOsT": "api.example:8443"}
    )
    assert lines == [
        "GET / HTTP/1.1",
        "accept: application/json",
        "ACCEPT-ENCODING: identity",
        "hOsT: api.example:8443",
    ]


@pytest.mark.parametrize(
    ("method", "body", "length"),
    [("POST", b'{"a":1}', "7"), ("POST", b"", "0"), ("PUT", b"x" * 100_000, "100000"), ("DELETE", b"", None)],
    ids=["post-json", "post-empty", "put-100k", "delete-empty"],
)
def test_a_bytes_body_is_sent_with_its_content_length(method: str, body: bytes, length: str | None) -> None:
    _, lines, raw, _ = captured_request(method, "/", body=body)
    assert [line for line in lines if line.lower().startswith("content-length:")] == (
        [f"Content-Length: {length}"] if length else []
    )
    assert not any(line.lower().startswith("transfer-encoding:") for line in lines)
    assert raw == body


def test_an_iterable_body_without_a_length_is_sent_chunked() -> None:
    _, lines, raw, body = captured_request("POST", "/", body=iter([b"abc", b"", b"defghijklmnopqrs", b"t"]))
    assert "Transfer-Encoding: chunked" in lines
    assert not any(line.lower().startswith("content-length:") for line in lines)
    assert raw == b"3\r\nabc\r\n10\r\ndefghijklmnopqrs\r\n1\r\nt\r\n0\r\n\r\n"  # an empty piece is not a last chunk
    assert body == b"abcdefghijklmnopqrst"


def test_an_iterable_body_with_a_content_length_is_sent_as_it_is() -> None:
    _, lines, raw, _ = captured_request("POST", "/", headers={"Content-Length": "6"}, body=[b"abc", b"def"])
    assert lines[-1] == "Content-Length: 6"
    assert not any(line.lower().startswith("transfer-encoding:") for line in lines)
    assert raw == b"abcdef"


@pytest.mark.parametrize(
    "body",
    [b"hi", [b"h", b"i"]],
    ids=["bytes", "iterable"],
)
@pytest.mark.parametrize("name", ["Content-Length", "content-length"])
def test_a_callers_content_length_is_sent_once(name: str, body: bytes | list[bytes]) -> None:
    # Two Content-Length headers may be rejected (RFC 9112 6.3) and are request-smuggling material.
    _, lines, raw, _ = captured_request("POST", "/", headers={name: "2"}, body=body)
    assert [line.partition(":")[2].strip() for line in lines if line.lower().startswith("content-length:")] == ["2"]
    assert raw == b"hi"


def test_a_bytes_body_is_framed_by_its_own_length_whatever_the_caller_says() -> None:
    _, lines, raw, _ = captured_request(
        "POST", "/", headers={"Content-Length": "5", "Transfer-Encoding": "chunked"}, body=b"hi"
    )
    framing = [line for line in lines if line.lower().startswith(("content-length:", "transfer-encoding:"))]
    assert framing == ["Content-Length: 2"]
    assert raw == b"hi"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Note": "one\r\nX-Injected: yes"}, "invalid value for header 'X-Note'"),
        ({"X-Note": "line\nfeed"}, "invalid value for header 'X-Note'"),
        ({"X-Note": "carriage\rreturn"}, "invalid value for header 'X-Note'"),
        ({"Bad Name": "x"}, "invalid header name 'Bad Name'"),
        ({"X-Split:Name": "x"}, "invalid header name 'X-Split:Name'"),
    ],
)
def test_a_header_that_would_break_the_request_is_refused_before_anything_is_sent(
    headers: dict[str, str], reason: str
) -> None:
    with RawServer(answer_each()) as server, new_client() as client:
        with pytest.raises(http11.Unsendable) as caught:
            send(client, "POST", server.url("/bad"), headers=headers, body=b"never sent")
        assert fetch(client, server.url("/good")) == b"c0 r0"
    assert caught.value.reason == reason
    assert server.accepted == 1  # the refused request did not even connect
    assert [request.request_line for request in server.requests] == ["GET /good HTTP/1.1"]


# --- Keep-alive ----------------------------------------------------------------------------------


def test_requests_to_the_same_server_share_one_connection() -> None:
    with RawServer(answer_each()) as server, new_client() as client:
        assert fetch(client, server.url("/a")) == b"c0 r0"
        assert fetch(client, server.url("/b"), "POST", body=b"x") == b"c0 r1"
        assert fetch(client, server.url("/c"), "DELETE") == b"c0 r2"
    assert server.accepted == 1


def test_a_kept_connection_the_server_closed_is_replaced_transparently() -> None:
    closed = threading.Event()

    def answer_once_then_close(peer: Peer) -> None:
        peer.read_request()
        peer.send(ok(b"first"))
        peer.close()
        closed.set()

    with RawServer(answer_once_then_close, answer_each()) as server, new_client() as client:
        assert fetch(client, server.url("/a")) == b"first"
        assert closed.wait(WAIT)
        assert fetch(client, server.url("/b"), "POST", body=b"sent again whole") == b"c1 r0"
    assert server.accepted == 2
    assert (server.requests[-1].connection, server.requests[-1].body) == (1, b"sent again whole")


@pytest.mark.parametrize(
    ("version", "headers", "reused"),
    [
        ("HTTP/1.1", "", True),
        ("HTTP/1.1", "Connection: close\r\n", False),
        ("HTTP/1.1", "Connection: Keep-Alive, Close\r\n", False),
        ("HTTP/1.0", "", False),
        ("HTTP/1.0", "Connection: keep-alive\r\n", True),
    ],
    ids=["1.1", "1.1-close", "1.1-keep-alive-close", "1.0", "1.0-keep-alive"],
)
def test_a_connection_is_reused_only_when_the_reply_allows_it(version: str, headers: str, reused: bool) -> None:
    # The server never closes first: a connection reused against the reply's word answers "c0 r1".
    with RawServer(answer_each(version=version, headers=headers)) as server, new_client() as client:
        assert fetch(client, server.url()) == b"c0 r0"
        assert fetch(client, server.url()) == (b"c0 r1" if reused else b"c1 r0")
    assert server.accepted == (1 if reused else 2)


def test_a_reply_whose_body_was_not_read_leaves_its_connection_unused() -> None:
    with RawServer(answer_each()) as server, new_client() as client:
        with send(client, "GET", server.url()) as response:
            assert response.status_code == 200  # the body "c0 r0" stays unread
        assert fetch(client, server.url()) == b"c1 r0"
    assert server.accepted == 2


def test_a_reply_whose_rest_has_not_arrived_leaves_its_connection_unused() -> None:
    received, finished = threading.Event(), threading.Event()

    def rest_never_sent(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc")
        if not received.wait(WAIT):
            raise AssertionError("the test never read the first piece")
        if not finished.wait(WAIT):
            raise AssertionError("the test never finished")

    with RawServer(rest_never_sent, answer_each()) as server, new_client() as client:
        with send(client, "GET", server.url()) as response:
            assert next(response.iter_raw()) == b"abc"
            received.set()
        assert fetch(client, server.url()) == b"c1 r0"
        finished.set()
    assert server.accepted == 2


@pytest.mark.parametrize(
    ("head", "first", "rest"),
    [
        (b"Transfer-Encoding: chunked", chunked(b"data: a\n\n"), chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n"),
        (b"Content-Length: 12", b"data: a\n\n", b"end"),
    ],
    ids=["chunked", "length"],
)
def test_a_reply_left_unread_is_finished_at_the_next_request_and_its_connection_reused(
    head: bytes, first: bytes, rest: bytes
) -> None:
    # sacli stops reading a stream at [DONE]; the rest of the body has arrived by the next turn.
    received, rest_sent = threading.Event(), threading.Event()

    def stream_then_answer(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\n" + first)
        if not received.wait(WAIT):
            raise AssertionError("the test never read the first piece")
        peer.send(rest)  # on loopback, in the client's receive buffer once send returns
        rest_sent.set()
        peer.read_request()
        peer.send(ok(b"second"))
        peer.wait_closed()

    with RawServer(stream_then_answer) as server, new_client() as client:
        with send(client, "POST", server.url(), body=b"{}") as response:
            assert next(response.iter_raw()) == b"data: a\n\n"
            received.set()
            assert rest_sent.wait(WAIT)
        assert fetch(client, server.url()) == b"second"
    assert server.accepted == 1


def test_a_streamed_body_is_never_sent_on_a_kept_connection() -> None:
    # It cannot be sent a second time if the kept connection turns out to be closed.
    with RawServer(answer_each()) as server, new_client() as client:
        assert fetch(client, server.url()) == b"c0 r0"
        assert fetch(client, server.url(), "POST", body=iter([b"once"])) == b"c1 r0"
    assert server.accepted == 2


def test_a_connection_to_another_server_is_not_reused() -> None:
    with RawServer(answer_each()) as one, RawServer(answer_each()) as two, new_client() as client:
        assert fetch(client, one.url()) == b"c0 r0"
        assert fetch(client, two.url()) == b"c0 r0"
        assert fetch(client, one.url()) == b"c1 r0"
    assert (one.accepted, two.accepted) == (2, 1)


@pytest.mark.parametrize(
    "bad_reply",
    [b"HTTP/1.1 200 OK\r\nthis line has no colon\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Len"],
    ids=["invalid-header-line", "head-cut-short"],
)
def test_a_request_the_server_answered_on_a_kept_connection_is_not_sent_again(bad_reply: bytes) -> None:
    # Only a kept connection that broke before any byte of the reply is retried on a new one.
    def first(peer: Peer) -> None:
        peer.read_request()
        peer.send(ok(b"fine"))
        peer.read_request()
        peer.send(bad_reply)

    def later(peer: Peer) -> None:
        peer.read_request()
        peer.send(bad_reply)

    with RawServer(first, later) as server, new_client() as client:
        assert fetch(client, server.url("/a")) == b"fine"
        with pytest.raises(http11.ConnectionLost):
            fetch(client, server.url("/charge"), "POST", body=b'{"amount":100}')
    assert [request.request_line.split()[0] for request in server.requests] == ["GET", "POST"]


# --- A reply before the request was sent whole ---------------------------------------------------


@pytest.mark.parametrize("kind", ["iterable", "bytes"])
def test_a_server_that_answers_413_before_reading_the_upload_gets_its_answer_reported(kind: str) -> None:
    size = 20 * 1024 * 1024
    piece = b"u" * 65536
    answer = b'{"error":"file too large"}'

    def refuse_early(peer: Peer) -> None:
        head = peer.read_head()
        assert head is not None and head.startswith(b"POST /upload HTTP/1.1\r\n")
        peer.send(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
        )
        # Closing with most of the upload unread resets the connection under the client's writes.

    with RawServer(refuse_early) as server, new_client() as client:
        body: Body = (piece for _ in range(size // len(piece))) if kind == "iterable" else piece * (size // len(piece))
        with send(client, "POST", server.url("/upload"), headers={"Content-Length": str(size)}, body=body) as response:
            assert (response.status_code, response.reason_phrase) == (413, "Payload Too Large")
            assert response.read() == answer


# --- Proxies -------------------------------------------------------------------------------------


def test_plain_http_goes_to_the_proxy_in_absolute_form_with_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    with RawServer(reply(ok(b"from the proxy"))) as proxy:
        monkeypatch.setenv("http_proxy", f"http://us%40er:p%3Ass@127.0.0.1:{proxy.port}")
        with new_client() as client:
            body = fetch(client, "http://origin.invalid:8080/api/v1/x?q=1", "POST", body=b"{}", headers={"A": "b"})
    assert body == b"from the proxy"
    (request,) = proxy.requests
    assert request.request_line == "POST http://origin.invalid:8080/api/v1/x?q=1 HTTP/1.1"
    assert request.header("host") == ["origin.invalid:8080"]
    assert request.header("proxy-authorization") == ["Basic " + base64.b64encode(b"us@er:p:ss").decode()]
    assert request.header("a") == ["b"]
    assert request.body == b"{}"


def test_a_proxy_without_credentials_gets_no_proxy_authorization(monkeypatch: pytest.MonkeyPatch) -> None:
    with RawServer(reply(ok(b"from the proxy"))) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{proxy.port}")  # no scheme: http:// is assumed
        with new_client() as client:
            assert fetch(client, "http://origin.invalid/p") == b"from the proxy"
    (request,) = proxy.requests
    assert request.request_line == "GET http://origin.invalid/p HTTP/1.1"
    assert request.header("proxy-authorization") == []


@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy"])
def test_all_proxy_is_the_fallback(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    with RawServer(reply(ok(b"from the proxy"))) as proxy:
        monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy.port}")
        with new_client() as client:
            assert fetch(client, "http://origin.invalid/p") == b"from the proxy"
    assert proxy.requests[0].request_line == "GET http://origin.invalid/p HTTP/1.1"


def test_the_lower_case_variable_wins_over_the_upper_case_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with RawServer(reply(ok(b"lower"))) as lower, RawServer(reply(ok(b"upper"))) as upper:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{lower.port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{upper.port}")
        with new_client() as client:
            assert fetch(client, "http://origin.invalid/") == b"lower"
    assert upper.accepted == 0


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "example.com, 127.0.0.1", "*", "{port_entry}", "localhost,*"])
@pytest.mark.parametrize("variable", ["no_proxy", "NO_PROXY"])
def test_no_proxy_sends_the_request_directly(monkeypatch: pytest.MonkeyPatch, no_proxy: str, variable: str) -> None:
    with RawServer(answer_each()) as proxy, RawServer(reply(ok(b"direct"))) as origin:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv(variable, no_proxy.format(port_entry=f"127.0.0.1:{origin.port}"))
        with new_client() as client:
            assert fetch(client, origin.url("/p")) == b"direct"
    assert origin.requests[0].request_line == "GET /p HTTP/1.1"


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypassed"),
    [
        ("api.example.com", 80, "example.com", True),
        ("api.example.com", 80, ".example.com", True),
        ("api.example.com", 80, "*.example.com", True),
        ("deep.api.example.com", 80, ".example.com", True),
        ("example.com", 80, "EXAMPLE.COM", True),
        ("api.example.com.", 80, "example.com", True),
        ("notexample.com", 80, "example.com", False),
        ("notexample.com", 80, ".example.com", False),
        ("example.com", 80, "api.example.com", False),
        ("example.com", 8080, "example.com:8080", True),
        ("example.com", 80, "example.com:8080", False),
        ("example.com", 80, "", False),
        ("example.com", 80, " , other.org ,", False),
        ("::1", 80, "::1", True),
        ("example.com", 80, "*", True),
    ],
)
def test_which_hosts_no_proxy_covers(
    monkeypatch: pytest.MonkeyPatch, host: str, port: int, no_proxy: str, bypassed: bool
) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", no_proxy)
    authority = f"[{host}]" if ":" in host else host
    proxy = http11.proxy_for(http11.URL(f"https://{authority}:{port}/"))
    assert (proxy is None) == bypassed
    if proxy is not None:
        assert proxy.url.where == "proxy.invalid:3128"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("http_proxy", "socks5://127.0.0.1:1080", "http_proxy: only http:// proxies are supported"),
        ("ALL_PROXY", "socks5h://user:pw@127.0.0.1:1080", "ALL_PROXY: only http:// proxies are supported"),
        ("http_proxy", "https://127.0.0.1:3129", "http_proxy: only http:// proxies are supported"),
        ("HTTP_PROXY", "http://127.0.0.1:notaport", "HTTP_PROXY is not a proxy URL"),
    ],
)
def test_a_proxy_that_cannot_be_used_is_unsendable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with RawServer(answer_each()) as server, new_client() as client, pytest.raises(http11.Unsendable) as caught:
        send(client, "GET", server.url())
    assert caught.value.reason.startswith(reason)
    assert repr(value) in caught.value.reason
    assert server.accepted == 0


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificate, Certificate]:
    """The server's certificate, and another one that did not sign it."""
    directory = tmp_path_factory.mktemp("tls")
    return self_signed(directory, "server"), self_signed(directory, "other")


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each TLS test with no cached context, so that the SSL_CERT_FILE the test sets is read."""
    monkeypatch.setattr(http11, "_tls_context", None)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def tls_answer(peer: Peer) -> None:
    """Answer each request on the connection with "tls" and its request line."""
    while (request := peer.read_request()) is not None:
        peer.send(ok(f"tls {request.request_line}".encode()))


@pytest.mark.usefixtures("trust")
def test_https_to_a_trusted_server(monkeypatch: pytest.MonkeyPatch, certificates: tuple[Certificate, ...]) -> None:
    server_cert, _ = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(server_cert.cert))
    with RawServer(tls_answer, tls=server_cert.server_context()) as server, new_client() as client:
        assert fetch(client, server.url("/secure?x=1")) == b"tls GET /secure?x=1 HTTP/1.1"
        assert fetch(client, f"https://localhost:{server.port}/by-name") == b"tls GET /by-name HTTP/1.1"


@pytest.mark.usefixtures("trust")
def test_https_to_an_untrusted_server_fails_to_connect(
    monkeypatch: pytest.MonkeyPatch, certificates: tuple[Certificate, ...]
) -> None:
    server_cert, other = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(other.cert))
    with (
        RawServer(tls_answer, tls=server_cert.server_context()) as server,
        new_client() as client,
        pytest.raises(http11.ConnectFailed) as caught,
    ):
        send(client, "GET", server.url())
    assert caught.value.reason.startswith("certificate verify failed: ")
    assert caught.value.where == f"127.0.0.1:{server.port}"
    assert server.requests == []


@needs_ipv6
@pytest.mark.usefixtures("trust")
def test_https_to_a_name_the_certificate_does_not_cover_fails_to_connect(
    monkeypatch: pytest.MonkeyPatch, certificates: tuple[Certificate, ...]
) -> None:
    server_cert, _ = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(server_cert.cert))
    with (
        RawServer(tls_answer, tls=server_cert.server_context(), host="::1") as server,
        new_client() as client,
        pytest.raises(http11.ConnectFailed) as caught,
    ):
        send(client, "GET", server.url())
    assert caught.value.reason.startswith("certificate verify failed: ")
    assert "mismatch" in caught.value.reason


@pytest.mark.usefixtures("trust")
def test_https_through_a_connect_proxy(monkeypatch: pytest.MonkeyPatch, certificates: tuple[Certificate, ...]) -> None:
    server_cert, _ = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(server_cert.cert))
    with RawServer(tls_answer, tls=server_cert.server_context()) as origin, RawServer(tunnel(origin.port)) as proxy:
        monkeypatch.setenv("https_proxy", f"http://user:secret@127.0.0.1:{proxy.port}")
        with new_client() as client:
            assert fetch(client, origin.url("/through?x=1")) == b"tls GET /through?x=1 HTTP/1.1"
            assert fetch(client, origin.url("/again")) == b"tls GET /again HTTP/1.1"
    (connect,) = proxy.requests  # one tunnel, kept alive for both requests
    assert connect.lines == [
        f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1",
        f"Host: 127.0.0.1:{origin.port}",
        "Proxy-Authorization: Basic " + base64.b64encode(b"user:secret").decode(),
    ]
    first, second = origin.requests
    assert first.request_line == "GET /through?x=1 HTTP/1.1"  # origin form inside the tunnel
    assert first.header("host") == [f"127.0.0.1:{origin.port}"]
    assert first.header("proxy-authorization") == []  # the credentials are the proxy's, not the origin's
    assert (first.connection, second.connection) == (0, 0)


@pytest.mark.usefixtures("trust")
def test_a_proxy_that_refuses_the_tunnel_fails_to_connect(
    monkeypatch: pytest.MonkeyPatch, certificates: tuple[Certificate, ...]
) -> None:
    refusal = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n"
    with RawServer(reply(refusal)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        with new_client() as client, pytest.raises(http11.ConnectFailed) as caught:
            send(client, "GET", "https://origin.invalid/secret")
    assert caught.value.reason == "the proxy refused the tunnel: 407 Proxy Authentication Required"
    assert caught.value.where == f"127.0.0.1:{proxy.port}"
    assert [request.request_line for request in proxy.requests] == ["CONNECT origin.invalid:443 HTTP/1.1"]


def test_a_proxy_that_hangs_up_on_connect_fails_to_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang_up(peer: Peer) -> None:
        peer.read_head()

    with RawServer(hang_up) as proxy:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
        with new_client() as client, pytest.raises(http11.ConnectFailed) as caught:
            send(client, "GET", "https://origin.invalid/")
    assert caught.value.reason == "the proxy failed to open a tunnel: server disconnected without sending a response"
    assert caught.value.where == f"127.0.0.1:{proxy.port}"


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "the scheme must be http or https"),
        ("example.com/path", "the scheme must be http or https"),
        ("http:///path", "has no host"),
        ("https://:8080/", "has no host"),
        ("http://example.com:99999/", "port"),
        ("http://example.com:http/", "port"),
        ("http://example.com:-1/", "port"),
        ("http://[::1/", "ipv6"),
        ("http://" + "ü" * 64 + ".example/", "the host name is not valid"),
    ],
    ids=[
        "ftp",
        "no-scheme",
        "no-host",
        "no-host-with-port",
        "port-too-big",
        "port-not-a-number",
        "port-negative",
        "bad-ipv6",
        "idna-label-too-long",
    ],
)
def test_invalid_urls(url: str, reason: str) -> None:
    with pytest.raises(http11.InvalidURL) as caught:
        http11.URL(url)
    assert caught.value.reason.startswith(repr(url))  # which URL, then why
    assert reason in caught.value.reason.lower()


def test_an_ipv6_literal_is_bracketed_in_the_authority() -> None:
    url = http11.URL("http://[::1]:8080/a?b=c")
    assert (url.host, url.port, url.authority, url.target) == ("::1", 8080, "[::1]:8080", "/a?b=c")
    assert str(url) == "http://[::1]:8080/a?b=c"
    assert http11.URL("https://[2001:DB8::1]/").authority == "[2001:db8::1]"


@needs_ipv6
def test_an_ipv6_request_carries_a_bracketed_host_header() -> None:
    with RawServer(reply(ok(b"six")), host="::1") as server, new_client() as client:
        assert fetch(client, server.url("/v6")) == b"six"
    assert server.requests[0].header("host") == [f"[::1]:{server.port}"]


def test_a_non_ascii_host_is_idna_encoded() -> None:
    url = http11.URL("https://Bücher.Example/straße?q=ü")
    assert url.host == "xn--bcher-kva.example"
    assert url.authority == "xn--bcher-kva.example"
    assert url.target == "/stra%C3%9Fe?q=%C3%BC"
    assert str(url) == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC"


def test_default_ports_and_params() -> None:
    assert (http11.URL("http://h").port, http11.URL("https://h").port) == (80, 443)
    assert http11.URL("HTTPS://h:443/").authority == "h"
    assert http11.URL("http://h:443/").authority == "h:443"
    url = http11.URL("http://h/p?x=1", [("tags", "a b"), ("tags", "c"), ("q", "&=/?")])
    assert url.target == "/p?x=1&tags=a%20b&tags=c&q=%26%3D%2F%3F"
    assert http11.URL("http://h/p", {"limit": "50"}).target == "/p?limit=50"
    assert http11.URL("http://h", []).target == "/"


def test_a_path_is_quoted_once() -> None:
    # Already-escaped bytes stay as they are: sacli escapes a file ID's "/" itself as %2F.
    assert http11.URL("http://h/api/rag/files/file%2F2").target == "/api/rag/files/file%2F2"
    assert http11.URL("http://h/a b/ü").target == "/a%20b/%C3%BC"
