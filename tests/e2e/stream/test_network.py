"""The network end to end: the installed sacli (on httpx2) against raw servers on 127.0.0.1.

TLS, proxies, kept connections, framing and an early answer to an upload, as a user sees them:
stdout, the one-line error on stderr, and the exit code of the README's table.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sacli.exitcodes import ExitCode
from tests.support.helpers import OPENROUTER_KEY, SUPER_AGENT_KEY, require_tool, run, sse
from tests.support.rawserver import (
    WAIT,
    Certificate,
    Peer,
    RawServer,
    answer_json,
    event_stream,
    keyed,
    one_error_line,
    self_signed,
    socks5,
    trickled_head,
    tunnel,
)

SID = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
SESSIONS_REPLY = {
    "data": [{"id": SID, "title": "Chat about AI", "createdAt": "2025-01-15T10:30:00Z", "messageCount": 5}]
}
SESSIONS_LINE = f"{SID}\tChat about AI\t2025-01-15T10:30:00Z\t5\n".encode()


# --- TLS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificate, Certificate]:
    """The server's self-signed certificate, and another one that did not sign it."""
    directory = tmp_path_factory.mktemp("tls-e2e")
    return self_signed(directory, "server"), self_signed(directory, "other")


def test_stream_over_https_with_a_trusted_certificate(
    env: dict[str, str], certificates: tuple[Certificate, Certificate]
) -> None:
    server_cert, _ = certificates
    with RawServer(event_stream(sse("Hel", "lo, ", "world")), tls=server_cert.server_context()) as server:
        result = run(
            "stream",
            "--base-url",
            server.url("/api/v1"),
            "hi",
            env=keyed(env, "http://unused.invalid/api/v1", SSL_CERT_FILE=str(server_cert.cert)),
        )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"Hello, world\n"
    assert result.stderr == b""
    (request,) = server.requests
    assert request.request_line == "POST /api/v1/chat/completions HTTP/1.1"
    assert request.header("host") == [f"127.0.0.1:{server.port}"]
    assert json.loads(request.body)["messages"][-1] == {"role": "user", "content": "hi"}


def test_stream_over_https_trusting_a_certificate_directory(
    env: dict[str, str], certificates: tuple[Certificate, Certificate], tmp_path: Path
) -> None:
    server_cert, _ = certificates
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "server.pem").write_bytes(server_cert.cert.read_bytes())
    subprocess.run([require_tool("openssl"), "rehash", str(trusted)], check=True, capture_output=True, timeout=60)
    with RawServer(event_stream(sse("from ", "the directory")), tls=server_cert.server_context()) as server:
        result = run("stream", "hi", env=keyed(env, server.url("/api/v1"), SSL_CERT_DIR=str(trusted)))
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"from the directory\n"


def test_stream_over_https_to_an_untrusted_certificate_is_a_network_error(
    env: dict[str, str], certificates: tuple[Certificate, Certificate]
) -> None:
    server_cert, other = certificates
    with RawServer(event_stream(sse("never")), tls=server_cert.server_context()) as server:
        result = run(
            "stream",
            "--retries",
            "0",
            "--base-url",
            server.url("/api/v1"),
            "hi",
            env=keyed(env, "http://unused.invalid/api/v1", SSL_CERT_FILE=str(other.cert)),
        )
    assert result.returncode == ExitCode.NETWORK
    assert result.stdout == b""
    line = one_error_line(result.stderr)
    assert re.fullmatch(
        rf"sacli: error: cannot connect to 127\.0\.0\.1:{server.port}: certificate verify failed: .+", line
    )
    assert server.requests == []


def test_sessions_list_over_https_through_a_connect_proxy(
    env: dict[str, str], certificates: tuple[Certificate, Certificate]
) -> None:
    server_cert, _ = certificates
    with (
        RawServer(answer_json(SESSIONS_REPLY), tls=server_cert.server_context()) as origin,
        RawServer(tunnel(origin.port)) as proxy,
    ):
        result = run(
            "sessions",
            "list",
            env=keyed(
                env,
                origin.url("/api/v1"),
                SSL_CERT_FILE=str(server_cert.cert),
                https_proxy=f"http://tunnel%20user:s3cret@127.0.0.1:{proxy.port}",
            ),
        )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == SESSIONS_LINE
    assert result.stderr == b""
    (connect,) = proxy.requests
    assert connect.request_line == f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1"
    assert connect.header("proxy-authorization") == ["Basic " + base64.b64encode(b"tunnel user:s3cret").decode()]
    (request,) = origin.requests
    assert request.request_line == "GET /api/v1/memory/sessions?limit=50 HTTP/1.1"
    assert request.header("proxy-authorization") == []
    assert request.header("superAgentKey") == [SUPER_AGENT_KEY]


# --- Plain http through a proxy --------------------------------------------------------------------


def test_stream_through_an_http_proxy_uses_the_absolute_form_and_its_credentials(env: dict[str, str]) -> None:
    with RawServer(event_stream(sse("via ", "proxy"))) as proxy:
        result = run(
            "stream",
            "hi",
            env=keyed(
                env,
                "http://api.example.invalid:8080/api/v1",  # never resolved: the proxy is asked for it
                http_proxy=f"http://user:p%40ss@127.0.0.1:{proxy.port}",
                HTTP_PROXY="http://127.0.0.1:9",  # the lower-case variable wins
            ),
        )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"via proxy\n"
    assert result.stderr == b""
    (request,) = proxy.requests
    assert request.request_line == "POST http://api.example.invalid:8080/api/v1/chat/completions HTTP/1.1"
    assert request.header("host") == ["api.example.invalid:8080"]
    assert request.header("proxy-authorization") == ["Basic " + base64.b64encode(b"user:p@ss").decode()]
    assert request.header("authorization") == [f"Bearer {OPENROUTER_KEY}"]


def test_a_proxy_that_trickles_the_head_is_bounded_too(env: dict[str, str]) -> None:
    with RawServer(trickled_head) as proxy:
        result = run(
            "stream", "--connect-timeout", "0.5", "--idle-timeout", "0.5", "--retries", "0", "hi",
            env=keyed(env, "http://api.example.invalid:8080/api/v1", HTTP_PROXY=proxy.url("")), timeout=30,
        )  # fmt: skip
    assert (result.returncode, result.stdout) == (ExitCode.TIMEOUT, b""), result.stderr
    assert one_error_line(result.stderr) == (
        "sacli: error: the reply from api.example.invalid:8080 did not bring its status line and headers within "
        "1 s (--connect-timeout plus --idle-timeout)"
    )


@pytest.mark.parametrize("no_proxy", [None, "127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_reaches_the_server_directly(env: dict[str, str], refused_port: int, no_proxy: str | None) -> None:
    with RawServer(answer_json(SESSIONS_REPLY)) as server:
        extra = {"HTTP_PROXY": f"http://127.0.0.1:{refused_port}"}
        if no_proxy is not None:
            extra["no_proxy"] = no_proxy
        result = run("sessions", "list", "--retries", "0", env=keyed(env, server.url("/api/v1"), **extra))
    if no_proxy is None:  # the proxy is really used when nothing exempts the host
        assert result.returncode == ExitCode.NETWORK
        assert one_error_line(result.stderr) == (
            f"sacli: error: cannot connect to 127.0.0.1:{refused_port}: connection refused"
        )
        assert server.requests == []
    else:
        assert result.returncode == ExitCode.OK, result.stderr
        assert result.stdout == SESSIONS_LINE
        assert server.requests[0].request_line == "GET /api/v1/memory/sessions?limit=50 HTTP/1.1"


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
def test_sessions_list_through_a_socks5_proxy_with_credentials(env: dict[str, str], scheme: str) -> None:
    with (
        RawServer(answer_json(SESSIONS_REPLY)) as origin,
        RawServer(socks5(origin.port, credentials=(b"sock user", b"s3cret"))) as proxy,
    ):
        result = run(
            "sessions",
            "list",
            env=keyed(
                env,
                f"http://api.example.invalid:{origin.port}/api/v1",  # never resolved here: the proxy is asked
                ALL_PROXY=f"{scheme}://sock%20user:s3cret@127.0.0.1:{proxy.port}",
            ),
        )
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == SESSIONS_LINE
    (connect,) = proxy.requests
    assert connect.request_line == f"CONNECT api.example.invalid:{origin.port}"
    (request,) = origin.requests
    assert request.request_line == "GET /api/v1/memory/sessions?limit=50 HTTP/1.1"
    assert request.header("host") == [f"api.example.invalid:{origin.port}"]


def test_a_socks_proxy_without_the_socks_extra_is_a_usage_error_before_anything_is_sent(
    env: dict[str, str], tmp_path: Path
) -> None:
    # A socksio that cannot be imported, ahead of the installed one: as if the extra were not installed.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "socksio.py").write_text("raise ImportError('socksio is not installed')\n")
    with RawServer(answer_json(SESSIONS_REPLY)) as server:
        proxy = "socks5://user:s3cret-pw@127.0.0.1:1080"
        result = run("sessions", "list", env=keyed(env, server.url("/api/v1"), ALL_PROXY=proxy, PYTHONPATH=str(shadow)))
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == b""
    assert one_error_line(result.stderr) == (
        "sacli: error: cannot use the proxy ALL_PROXY='socks5://user:***@127.0.0.1:1080': "
        "SOCKS needs the socks extra (pip install 'sacli[socks]') (fix or unset the proxy variable)"
    )
    assert server.accepted == 0


@pytest.mark.parametrize("proxy", ["ftp://127.0.0.1:21", "gopher://user:s3cret-pw@127.0.0.1:70"])
def test_a_proxy_of_another_kind_is_a_usage_error_naming_its_variable(env: dict[str, str], proxy: str) -> None:
    with RawServer(answer_json(SESSIONS_REPLY)) as server:
        result = run("sessions", "list", env=keyed(env, server.url("/api/v1"), HTTPS_PROXY=proxy))
    assert result.returncode == ExitCode.USAGE
    line = one_error_line(result.stderr)
    assert line.startswith("sacli: error: cannot use the proxy HTTPS_PROXY=")
    assert "the scheme must be http, https, socks5 or socks5h" in line
    assert "s3cret-pw" not in line
    assert server.accepted == 0


# --- The request on the wire -----------------------------------------------------------------------


def test_files_list_sends_repeated_query_params(env: dict[str, str]) -> None:
    with RawServer(answer_json({"files": []})) as server:
        result = run(
            "files", "list", "--category", "docs & more", "--tag", "a b", "--tag", "c",
            env=keyed(env, server.url("/api/v1")),
        )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b""
    (request,) = server.requests
    assert request.request_line == "GET /api/rag/files?category=docs+%26+more&tags=a+b&tags=c HTTP/1.1"
    assert request.header("host") == [f"127.0.0.1:{server.port}"]


# --- Kept connections ------------------------------------------------------------------------------


def no_content(peer: Peer) -> None:
    """Answer every request on the connection with 204, until the client closes."""
    while peer.read_request() is not None:
        peer.send(b"HTTP/1.1 204 No Content\r\n\r\n")


def test_files_delete_sends_every_request_on_one_connection(env: dict[str, str]) -> None:
    with RawServer(no_content) as server:
        result = run("files", "delete", "--yes", "file_1", "file_2", "file_3", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"file_1\nfile_2\nfile_3\n"
    assert result.stderr == b""
    assert [request.request_line for request in server.requests] == [
        f"DELETE /api/rag/files/file_{n} HTTP/1.1" for n in (1, 2, 3)
    ]
    assert server.accepted == 1


def resent_notice(port: int, method: str, reason: str = "server disconnected without sending a response") -> str:
    return (
        f"sacli: connection to 127.0.0.1:{port} lost: {reason}"
        f" (on a kept-alive connection the server had closed); sending {method} again on a new connection"
    )


def sent(server: RawServer) -> list[tuple[int, str]]:
    return [(request.connection, request.request_line.split()[1]) for request in server.requests]


F1, F2, F3 = (f"/api/rag/files/file_{n}" for n in (1, 2, 3))


def delete_three_without_retries(
    first_connection: Callable[[Peer], None], env: dict[str, str]
) -> tuple[Any, RawServer]:
    """``files delete`` of three files, the first connection served by ``first_connection``; every one deleted."""
    with RawServer(first_connection, no_content) as server:
        result = run(
            "files", "delete", "--yes", "--retries", "0", "file_1", "file_2", "file_3",
            env=keyed(env, server.url("/api/v1")),
        )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"file_1\nfile_2\nfile_3\n"
    return result, server


def test_files_delete_carries_on_when_the_server_drops_the_kept_connection(env: dict[str, str]) -> None:
    def answer_once_then_close(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 204 No Content\r\n\r\n")

    result, server = delete_three_without_retries(answer_once_then_close, env)
    if result.stderr == b"":  # sacli saw the close before it sent file_2: a new connection, no resend
        assert sent(server) == [(0, F1), (1, F2), (1, F3)]
    else:  # it sent file_2 on the closed connection first: that is the case below, seen as the close
        # or, when the server's kernel answered file_2 with a reset before sacli read, as the reset
        assert result.stderr.decode().splitlines() in (
            [resent_notice(server.port, "DELETE")],
            [resent_notice(server.port, "DELETE", "connection reset by peer")],
        )
        assert [path for _, path in sent(server)] in ([F1, F2, F3], [F1, F2, F2, F3])


def test_an_idempotent_request_the_kept_connection_lost_is_sent_once_more_and_said(env: dict[str, str]) -> None:
    def answer_once_then_drop_the_next(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 204 No Content\r\n\r\n")
        peer.read_request()  # taken, never answered: the server went away with it

    result, server = delete_three_without_retries(answer_once_then_drop_the_next, env)
    assert result.stderr.decode().splitlines() == [resent_notice(server.port, "DELETE")]  # announced, once
    assert sent(server) == [(0, F1), (0, F2), (1, F2), (1, F3)]


# --- Reading the reply -----------------------------------------------------------------------------


def test_stream_reads_a_gzip_reply_after_an_interim_one_with_extensions_and_trailers(env: dict[str, str]) -> None:
    encoded = gzip.compress(sse("zip", "ped"))
    half = len(encoded) // 2

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        peer.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x;name=value\r\n%s\r\n" % (half, encoded[:half])
            + b"%x\r\n%s\r\n" % (len(encoded) - half, encoded[half:])
            + b"0\r\nX-Trailer: done\r\n\r\n"
        )
        peer.wait_closed()

    with RawServer(handler) as server:
        result = run("stream", "hi", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"zipped\n"
    assert result.stderr == b""


def test_stream_with_a_corrupt_gzip_reply_is_an_api_error(env: dict[str, str]) -> None:
    body = b"data: this was never gzip\n\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(head % len(body) + body)
        peer.wait_closed()

    with RawServer(handler) as server:
        result = run("stream", "--retries", "0", "hi", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.API
    assert result.stdout == b""
    assert one_error_line(result.stderr).startswith(
        f"sacli: error: cannot decode the reply from 127.0.0.1:{server.port}: the compressed body is corrupt: "
    )


def test_a_reply_cut_short_is_a_network_error(env: dict[str, str]) -> None:
    answer = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"data": '

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer)

    with RawServer(handler) as server:
        result = run("sessions", "list", "--retries", "0", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.NETWORK
    assert result.stdout == b""
    assert one_error_line(result.stderr) == (
        f"sacli: error: connection to 127.0.0.1:{server.port} lost: peer closed connection without sending "
        "complete message body (received 9 bytes, expected 40)"
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "illegal status line: 'SSH-2.0-OpenSSH_9.6'"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\n{}}\r\n0\r\n\r\n",
            "malformed chunk footer: '}\\r' (expected b'\\r\\n')",
        ),
    ],
    ids=["not-http", "chunk-too-long"],
)
def test_a_reply_that_is_not_http_is_an_api_error_and_not_sent_again(
    env: dict[str, str], answer: bytes, reason: str
) -> None:
    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer)

    with RawServer(handler) as server:
        result = run("sessions", "list", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.API
    assert result.stdout == b""
    assert (
        one_error_line(result.stderr)
        == f"sacli: error: the reply from 127.0.0.1:{server.port} is not valid HTTP: {reason}"
    )
    assert len(server.requests) == 1


# --- An answer before the upload was read ----------------------------------------------------------


def test_an_upload_refused_before_its_body_was_read_reports_the_servers_answer(
    env: dict[str, str], tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(20 * 1024 * 1024)  # 20 MiB of zeros, written in a moment
    refused = threading.Event()
    answer = b'{"error":"File too large (max 10 MB)"}'

    def refuse_early(peer: Peer) -> None:
        head = peer.read_head()
        assert head is not None and head.startswith(b"POST /api/rag/upload HTTP/1.1\r\n"), head
        peer.send(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
        )
        refused.set()
        # Closing with most of the upload unread resets the connection under sacli's writes.

    with RawServer(refuse_early) as server:
        result = run("upload", "--retries", "0", str(big), env=keyed(env, server.url("/api/v1")), timeout=WAIT * 3)
    assert refused.is_set()
    assert result.returncode == ExitCode.API, result.stderr
    assert result.stdout == b""
    assert one_error_line(result.stderr) == (
        f"sacli: error: uploading {big}: HTTP 413 Payload Too Large: File too large (max 10 MB)"
    )
    assert server.accepted == 1
