"""Hostile servers and hostile input, end to end: what sacli holds whatever the other side sends.

Each case runs the installed sacli against a raw-socket server on 127.0.0.1 and checks what the
server received (how many requests, or none at all), the exit code and the one error line.
Peak memory is sacli's own, measured through the small launcher of tests/support/peakmem.py.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import subprocess
import zlib
from pathlib import Path

import pytest

from sacli.exitcodes import ExitCode
from tests.support.faultserver import Link, Watched
from tests.support.helpers import SACLI, SUPER_AGENT_KEY, run, sse
from tests.support.peakmem import run_measured
from tests.support.rawserver import (
    WAIT,
    Handler,
    Peer,
    RawServer,
    answer_json,
    event_stream,
    json_reply,
    keyed,
    one_error_line,
)

SID = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
CHAT = "POST /api/v1/chat/completions HTTP/1.1"
MIB = 1024 * 1024
PEAK_LIMIT_MIB = 100


def posts_to_chat(server: RawServer) -> int:
    return sum(request.request_line == CHAT for request in server.requests)


def take_and_hang_up(peer: Peer) -> None:
    """Read the whole request, then close without a word: the server took it, the client cannot know."""
    peer.read_request()


# --- A request is sent at most 1 + --retries times, each resend announced --------------------------


def session_then_take_and_hang_up(peer: Peer) -> None:
    """Create the session on a connection kept alive, take the chat request on it, then hang up."""
    peer.read_request()
    peer.send(json_reply({"data": {"id": SID, "title": "hi"}}))
    peer.read_request()


@pytest.mark.parametrize("retries", [0, 2])
def test_a_chat_post_on_a_kept_connection_is_sent_at_most_1_plus_retries_times(
    env: dict[str, str], retries: int
) -> None:
    with RawServer(session_then_take_and_hang_up, take_and_hang_up) as server:
        result = run(
            "chat", "--new-session", "--retries", str(retries), "hi", env=keyed(env, server.url("/api/v1"))
        )  # fmt: skip
    assert result.returncode == ExitCode.NETWORK, result.stderr
    assert result.stdout == b""
    assert server.requests[0].request_line == "POST /api/v1/memory/sessions HTTP/1.1"
    assert posts_to_chat(server) == 1 + retries
    assert server.requests[1].connection == 0  # the first chat request went on the kept connection
    lost = f"connection to 127.0.0.1:{server.port} lost: server disconnected without sending a response"
    lines = result.stderr.decode().splitlines()
    assert lines[0] == f"sacli: new session {SID}"
    assert lines[-1] == f"sacli: error: {lost}"
    notices = lines[1:-1]
    assert len(notices) == retries
    assert all(line.startswith(f"sacli: {lost}; retrying in ") for line in notices)


@pytest.mark.parametrize("retries", [0, 1])
def test_a_streamed_post_the_server_took_is_sent_at_most_1_plus_retries_times(
    env: dict[str, str], retries: int
) -> None:
    with RawServer(take_and_hang_up) as server:
        result = run("stream", "--retries", str(retries), "hi", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.NETWORK
    assert posts_to_chat(server) == 1 + retries
    assert len([line for line in result.stderr.decode().splitlines() if "retrying in" in line]) == retries


# --- A reply is never matched to the wrong request -------------------------------------------------

UPLOADED = {"success": True, "data": {"fileId": "f1", "filename": "a.txt", "status": "processing"}}
FAILED = {"files": [{"fileId": "f1", "filename": "a.txt", "status": "failed"}]}
PROCESSED = {"files": [{"fileId": "f1", "filename": "a.txt", "status": "processed"}]}


def answer_every_poll(payload: object) -> Handler:
    return answer_json(payload)


def test_a_reply_with_two_content_lengths_is_refused_not_split_into_two(env: dict[str, str], tmp_path: Path) -> None:
    # Read with the first length, the rest of the body would look like the reply to the next request.
    body = json.dumps(UPLOADED).encode()
    stale = json_reply(PROCESSED)

    def two_lengths(peer: Peer) -> None:
        peer.read_request()
        peer.send(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n%s%s" % (len(body), len(body) + len(stale), body, stale)
        )
        peer.wait_closed()

    (tmp_path / "a.txt").write_text("hello")
    with RawServer(two_lengths, answer_every_poll(FAILED)) as server:
        result = run(
            "upload", "--wait", "a.txt",
            env=keyed(env, server.url("/api/v1"), SACLI_POLL_INTERVAL="0.05"), cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == ExitCode.API
    assert result.stdout == b""
    assert one_error_line(result.stderr) == (
        f"sacli: error: uploading a.txt: the reply from 127.0.0.1:{server.port} is not valid HTTP: "
        "conflicting Content-Length headers"
    )
    assert len(server.requests) == 1


def test_a_reply_sent_while_the_connection_is_idle_is_not_taken_for_the_next_ones(
    env: dict[str, str], tmp_path: Path
) -> None:
    link = Link()

    def upload_then_speak_out_of_turn(peer: Peer) -> None:
        peer.read_request()
        peer.send(json_reply(UPLOADED))
        link.wait_for("stdout", b"f1\ta.txt\n")  # sacli has read the reply and waits before its first poll
        peer.send(json_reply(PROCESSED))  # a reply to no request
        peer.wait_closed()

    (tmp_path / "a.txt").write_text("hello")
    with RawServer(upload_then_speak_out_of_turn, answer_every_poll(FAILED)) as server:
        env = keyed(env, server.url("/api/v1"), SACLI_POLL_INTERVAL="0.5")
        with link.attach(Watched.sacli("upload", "--wait", "a.txt", env=env, cwd=tmp_path)) as watched:
            result = watched.finish()
    assert result.returncode == ExitCode.API, result.stderr
    assert result.stdout == b"f1\ta.txt\n"
    assert one_error_line(result.stderr) == "sacli: error: the server failed to process a.txt (f1: failed)"
    assert [(r.connection, r.request_line.split()[1]) for r in server.requests] == [
        (0, "/api/rag/upload"),
        (1, "/api/rag/files"),
    ]


# --- Redirects are errors, never followed ---------------------------------------------------------

REASONS = {
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
}


def redirect(status: int, location: str) -> Handler:
    def handler(peer: Peer) -> None:
        while peer.read_request() is not None:
            peer.send(
                f"HTTP/1.1 {status} {REASONS[status]}\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
            )

    return handler


@pytest.mark.parametrize("status", sorted(REASONS))
def test_a_redirect_is_an_error_naming_status_and_location_and_the_location_is_never_asked(
    env: dict[str, str], status: int
) -> None:
    with RawServer(take_and_hang_up) as elsewhere:
        location = f"http://mirror:hunter22-pw@127.0.0.1:{elsewhere.port}/api/v1/chat/completions"
        with RawServer(redirect(status, location)) as server:
            result = run("stream", "hi", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.API
    assert result.stdout == b""
    shown = location.replace("hunter22-pw", "***")
    assert one_error_line(result.stderr) == (
        f"sacli: error: HTTP {status} {REASONS[status]}: the server redirects to {shown} "
        "(sacli does not follow redirects; check SACLI_BASE_URL)"
    )
    assert posts_to_chat(server) == 1  # a POST that got a 3xx is not sent again
    assert elsewhere.accepted == 0


def test_a_redirect_of_a_json_call_is_an_error_too(env: dict[str, str]) -> None:
    with (
        RawServer(take_and_hang_up) as elsewhere,
        RawServer(redirect(302, elsewhere.url("/api/v1/memory/sessions"))) as server,
    ):
        result = run("sessions", "list", env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.API
    assert "HTTP 302 Found: the server redirects to http://127.0.0.1:" in one_error_line(result.stderr)
    assert len(server.requests) == 1
    assert elsewhere.accepted == 0


# --- IDs that would name another resource ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "what", "value"),
    [
        (["sessions", "show", ""], "session", ""),
        (["sessions", "show", "."], "session", "."),
        (["sessions", "rename", "..", "title"], "session", ".."),
        (["sessions", "delete", "--yes", SID, ""], "session", ""),
        (["sessions", "create", "--id", ".."], "session", ".."),
        (["files", "delete", "--yes", ""], "file", ""),
        (["files", "delete", "--yes", "f1", ".."], "file", ".."),
        (["files", "delete", "--yes", "."], "file", "."),
        (["stream", "--session", "", "hi"], "session", ""),
        (["chat", "--session", "..", "hi"], "session", ".."),
    ],
)
def test_an_empty_dot_or_dot_dot_id_is_a_usage_error_and_nothing_is_sent(
    env: dict[str, str], args: list[str], what: str, value: str
) -> None:
    with RawServer(answer_json({"data": []})) as server:
        result = run(*args, env=keyed(env, server.url("/api/v1")))
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == b""
    assert one_error_line(result.stderr) == (
        f"sacli: error: invalid {what} ID {value!r}: an ID cannot be empty, '.' or '..'"
    )
    assert server.accepted == 0


# --- Passwords in URLs -----------------------------------------------------------------------------

PASSWORD = "hunter2-in-the-url"


def test_a_password_in_the_base_url_is_hidden_in_every_message_and_the_key_still_sent(env: dict[str, str]) -> None:
    def not_found(peer: Peer) -> None:
        peer.read_request()
        body = json.dumps({"error": {"message": "no such route"}}).encode()
        peer.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with RawServer(not_found) as server:
        base = f"http://ops:{PASSWORD}@127.0.0.1:{server.port}/api/v1"
        result = run("stream", "--debug", "hi", env=keyed(env, base))
    stderr = result.stderr.decode()
    assert result.returncode == ExitCode.API
    assert PASSWORD not in stderr
    assert f"sacli: debug: > POST http://ops:***@127.0.0.1:{server.port}/api/v1/chat/completions\n" in stderr
    assert stderr.splitlines()[-1] == "sacli: error: HTTP 404 Not Found: no such route (check SACLI_BASE_URL)"
    (request,) = server.requests
    assert request.header("authorization")[0].startswith("Bearer ")  # the key is not replaced by the URL's user


def test_the_base_urls_credentials_are_basic_auth_when_no_key_claims_authorization(env: dict[str, str]) -> None:
    with RawServer(answer_json({"data": []})) as server:
        base = f"http://ops:{PASSWORD}@127.0.0.1:{server.port}/api/v1"
        environment = {k: v for k, v in keyed(env, base).items() if k != "OPENROUTER_KEY"}
        result = run("sessions", "list", env=environment)
    assert result.returncode == ExitCode.OK, result.stderr
    (request,) = server.requests
    assert request.header("authorization") == ["Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode()]
    assert request.header("superagentkey") == [SUPER_AGENT_KEY]


def test_a_password_in_a_base_url_that_cannot_be_used_is_hidden(env: dict[str, str]) -> None:
    result = run("stream", "hi", env=keyed(env, f"http://ops:{PASSWORD}@127.0.0.1:notaport/api/v1"))
    assert result.returncode == ExitCode.USAGE
    line = one_error_line(result.stderr)
    assert PASSWORD not in line
    assert line.startswith(
        "sacli: error: invalid value for SACLI_BASE_URL: must be an http:// or https:// URL whose port is a number "
        "from 1 to 65535, not 'http://ops:***@127.0.0.1:notaport/api/v1'"
    )


def test_a_password_in_a_proxy_url_is_hidden(env: dict[str, str], refused_port: int) -> None:
    proxy = f"http://ops:{PASSWORD}@127.0.0.1:{refused_port}"
    result = run(
        "stream", "--debug", "--retries", "0", "hi",
        env=keyed(env, "http://api.example.invalid/api/v1", HTTP_PROXY=proxy),
    )  # fmt: skip
    assert result.returncode == ExitCode.NETWORK
    assert PASSWORD not in result.stderr.decode()
    assert result.stderr.decode().splitlines()[-1] == (
        f"sacli: error: cannot connect to 127.0.0.1:{refused_port}: connection refused"
    )


# --- Bodies are bounded after decoding: gzip bombs and endless lines ---------------------------------


@functools.cache
def gzip_of(prefix: bytes, fill: bytes, size: int) -> bytes:
    """``prefix`` and then ``size`` bytes of ``fill``, gzip-compressed (a 1 GiB bomb is about 1 MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = fill * (MIB // len(fill))
    parts = [compressor.compress(prefix)]
    parts += [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def send_gzip(status: str, content_type: str, body: bytes) -> Handler:
    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        )
        peer.send(body)  # sacli stops reading long before the end: this may fail, which is fine

    return handler


def run_with_peak(args: list[str], env: dict[str, str], tmp_path: Path) -> tuple[int, bytes, bytes, float]:
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        status, peak_kib = run_measured([SACLI, *args], env=env, stdout=stdout, stderr=stderr, timeout=WAIT * 6)
    return status, out.read_bytes(), err.read_bytes(), peak_kib / 1024


@pytest.mark.parametrize(
    ("args", "status", "content_type", "prefix", "message"),
    [
        pytest.param(
            ["sessions", "list"],
            "200 OK",
            "application/json",
            b'{"data": ["',
            "the reply from /api/v1/memory/sessions is larger than 16 MiB; sacli stopped reading it",
            id="json-reply",
        ),
        pytest.param(
            ["sessions", "list", "--retries", "0"],
            "500 Internal Server Error",
            "application/json",
            b'{"error": "',
            "HTTP 500 Internal Server Error: " + '{"error": "' + "a" * 186 + "...",
            id="error-body",
        ),
        pytest.param(
            ["stream", "hi"],
            "200 OK",
            "text/event-stream",
            b"data: ",
            "event too large: the stream sent an event of more than 32 MiB",
            id="event-stream",
        ),
    ],
)
def test_a_1_gib_gzip_bomb_keeps_sacli_small_and_ends_with_a_clear_error(
    env: dict[str, str], tmp_path: Path, args: list[str], status: str, content_type: str, prefix: bytes, message: str
) -> None:
    bomb = gzip_of(prefix, b"a", 1024 * MIB)
    with RawServer(send_gzip(status, content_type, bomb)) as server:
        code, stdout, stderr, peak_mib = run_with_peak(args, keyed(env, server.url("/api/v1")), tmp_path)
    assert code == ExitCode.API, stderr
    assert stdout == b""
    assert one_error_line(stderr) == f"sacli: error: {message}"
    assert peak_mib < PEAK_LIMIT_MIB, f"sacli's peak memory was {peak_mib:.0f} MiB for a {len(bomb) >> 10} KiB body"


def endless_line(size: int) -> Handler:
    """An event stream whose one data line is ``size`` bytes long, sent 1 MiB at a time."""

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: ")
        block = b"x" * MIB
        for _ in range(size // MIB):
            peer.send(block)
        peer.send(b"\n\n")

    return handler


def test_a_100_mib_event_line_ends_with_event_too_large_in_bounded_memory(env: dict[str, str], tmp_path: Path) -> None:
    with RawServer(endless_line(100 * MIB)) as server:
        status, stdout, stderr, peak_mib = run_with_peak(["stream", "hi"], keyed(env, server.url("/api/v1")), tmp_path)
    assert status == ExitCode.API, stderr
    assert stdout == b""
    assert one_error_line(stderr) == "sacli: error: event too large: the stream sent an event of more than 32 MiB"
    assert peak_mib < PEAK_LIMIT_MIB, f"sacli's peak memory was {peak_mib:.0f} MiB"
    print(f"100 MiB line: peak {peak_mib:.1f} MiB")


def test_a_30_mib_event_arriving_in_small_reads_is_read_whole(env: dict[str, str], tmp_path: Path) -> None:
    text = "y" * (30 * MIB)
    payload = b'data: {"choices":[{"index":0,"delta":{"content":"' + text.encode() + b'"}}]}\n\n'
    finish = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        view = memoryview(payload)
        for start in range(0, len(payload), 16 * 1024):  # some 2,000 pieces of one line
            peer.send(view[start : start + 16 * 1024])
        peer.send(finish)

    with RawServer(handler) as server:
        result = run("stream", "hi", env=keyed(env, server.url("/api/v1")), timeout=WAIT * 6)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == text.encode() + b"\n"


# --- Headers and status lines no HTTP parser should accept -----------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \xc2\xb2\r\n\r\n{}",
        b"HTTP/1.1 \xc2\xb200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Bad\x00: 1\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: \xc2\xb2chunked\r\n\r\n",
    ],
    ids=["superscript-length", "superscript-status", "nul-in-name", "superscript-encoding"],
)
@pytest.mark.parametrize("command", [["sessions", "list"], ["stream", "hi"]], ids=["json", "stream"])
def test_a_head_that_is_not_http_is_one_error_line_and_never_exit_1(
    env: dict[str, str], head: bytes, command: list[str]
) -> None:
    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(head)

    with RawServer(handler) as server:
        result = run(*command, env=keyed(env, server.url("/api/v1")))
    assert result.returncode in (ExitCode.API, ExitCode.NETWORK), result.stderr
    assert result.stdout == b""
    line = one_error_line(result.stderr)
    assert "not valid HTTP" in line and "unexpected" not in line
    assert len(server.requests) == 1


# --- Header values and names sacli will not send --------------------------------------------------

ASCII_HINT = "HTTP carries header values as ASCII: percent-encode it, or send it in the body"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("X-Trace: a\x1b[31mb", "--header X-Trace: the value holds a control character ('\\x1b')"),
        ("X-Trace: a\x0bb", "--header X-Trace: the value holds a control character ('\\x0b')"),
        ("X-Trace: a\x0cb", "--header X-Trace: the value holds a control character ('\\x0c')"),
        ("X-Trace: a\x7fb", "--header X-Trace: the value holds a control character ('\\x7f')"),
        ("X-Trace: café", f"--header X-Trace: the value holds 'é' at offset 3, which is not ASCII ({ASCII_HINT})"),
        (
            os.fsdecode(b"X-Trace: caf\xe9"),  # a Latin-1 shell's $'caf\xe9'
            f"--header X-Trace: the value holds the byte 0xE9 at offset 3, which is not ASCII ({ASCII_HINT})",
        ),
        ('X(y)@"z": 1', "--header 'X(y)@\"z\"': a header name is made of letters, digits and !#$%&'*+-.^_`|~ only"),
        ("Content-Length: 10", "--header cannot set Content-Length: sacli frames every request body itself"),
        ("transfer-encoding: chunked", "--header cannot set transfer-encoding: sacli frames every request body itself"),
    ],
    ids=["esc", "vt", "ff", "del", "utf-8", "not-utf-8", "name", "content-length", "transfer-encoding"],
)
@pytest.mark.parametrize("command", ["stream", "upload"])
def test_a_header_http_does_not_allow_is_a_usage_error_and_nothing_is_sent(
    env: dict[str, str], tmp_path: Path, header: str, message: str, command: str
) -> None:
    (tmp_path / "a.txt").write_text("hello")
    args = ["stream", "hi"] if command == "stream" else ["upload", "a.txt"]
    with RawServer(answer_json({})) as server:
        result = run(args[0], "-H", header, *args[1:], env=keyed(env, server.url("/api/v1")), cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert one_error_line(result.stderr) == f"sacli: error: {message}"
    assert server.accepted == 0


# --- stdout that cannot be written -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["stream", "hi"], ["chat", "hi"], ["sessions", "list"]],
    ids=["stream", "chat", "sessions-list"],
)
def test_a_full_disk_on_stdout_is_exit_8_with_one_line(env: dict[str, str], args: list[str]) -> None:
    sessions = {"data": [{"id": SID, "title": "t", "createdAt": "2025-01-15T10:30:00Z", "messageCount": 1}]}
    handler = answer_json(sessions) if args[0] == "sessions" else event_stream(sse("Hel", "lo"))
    with RawServer(handler) as server, open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [SACLI, *args],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env=keyed(env, server.url("/api/v1")),
            timeout=WAIT * 3,
        )
    assert proc.returncode == ExitCode.OUTPUT
    assert proc.stderr == b"sacli: error: cannot write standard output: No space left on device\n"


@pytest.mark.parametrize(
    "args",
    [["stream", "hi"], ["chat", "hi"], ["sessions", "list"], ["--version"]],
    ids=["stream", "chat", "sessions-list", "version"],
)
def test_a_closed_stdout_is_exit_8_and_nothing_is_sent(env: dict[str, str], args: list[str]) -> None:
    with RawServer(answer_json({"data": []})) as server:
        proc = subprocess.run(
            ["bash", "-c", 'exec "$0" "$@" >&-', SACLI, *args],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=keyed(env, server.url("/api/v1")),
            timeout=WAIT * 3,
        )
    assert proc.returncode == ExitCode.OUTPUT
    assert proc.stderr == b"sacli: error: cannot write standard output: Bad file descriptor\n"
    assert server.accepted == 0


# --- Keys sacli will not send ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "variables",
    [
        {"OPENROUTER_KEY": "sk-or-v1-abcé123456"},
        {"OPENROUTER_KEY": os.fsdecode(b"sk-or-v1-abc\xe9123456")},
        {"SUPER_AGENT_KEY": "sk_live_«pasted»"},
    ],
    ids=["utf-8", "not-utf-8", "super-agent"],
)
def test_a_key_that_is_not_ascii_is_a_usage_error_that_never_shows_it(
    env: dict[str, str], variables: dict[str, str]
) -> None:
    with RawServer(answer_json({})) as server:
        result = run("stream", "hi", env={**keyed(env, server.url("/api/v1")), **variables})
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    what = "OpenRouter" if "OPENROUTER_KEY" in variables else "Super Agent"
    assert one_error_line(result.stderr) == (
        f"sacli: error: the {what} key holds a character that is not ASCII (keys are ASCII: check how it is set)"
    )
    assert server.accepted == 0
