"""Broken networks and servers, end to end: the installed sacli against the fault-injecting server.

For every fault: the exit code, stdout byte for byte (what was received stays, nothing twice),
the one-line message on stderr, and no traceback.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from sacli.api.retry import BACKOFF_BASE, BACKOFF_CAP
from tests.support.faultserver import (
    WAIT,
    Connection,
    FaultServer,
    Finished,
    Link,
    Request,
    Script,
    Watched,
    api_env,
    error_script,
    stream_script,
)
from tests.support.helpers import SACLI, chunk, event, run, sse
from tests.support.rawserver import RawServer, keyed, trickled_head

FINISH = b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n'
DONE = b"data: [DONE]\n\n"


def delta(text: str) -> bytes:
    """A minimal chat.completion.chunk event carrying ``text``."""
    payload = {"choices": [{"delta": {"content": text}}]}
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def run_against(server: FaultServer, env: dict[str, str], *args: str) -> Finished:
    with Watched.sacli("stream", "--no-stdin", *args, "hi", env=api_env(env, server)) as watched:
        return watched.finish()


def assert_outcome(result: Finished, code: int, stdout: bytes, *stderr_lines: str) -> None:
    """Exit code, exact stdout, exact stderr lines (the last is the one-line error), no traceback."""
    assert b"Traceback" not in result.stderr
    assert result.returncode == code, result.stderr
    assert result.stdout == stdout
    assert result.stderr.decode().splitlines() == list(stderr_lines)


def retry_notice(line: str) -> tuple[str, float, int, int]:
    """(message, seconds, retry, of) from a line "sacli: MESSAGE; retrying in S s (retry N of M)"."""
    match = re.fullmatch(r"sacli: (.+); retrying in (\d+\.\d) s \(retry (\d+) of (\d+)\)", line)
    assert match, f"not a retry notice: {line!r}"
    return match[1], float(match[2]), int(match[3]), int(match[4])


# Connecting


def test_connection_refused_fails_after_one_attempt_with_retries_0(env: dict[str, str], refused_port: int) -> None:
    env = {**env, "SACLI_BASE_URL": f"http://127.0.0.1:{refused_port}/api/v1", "OPENROUTER_KEY": "k"}
    with Watched.sacli("stream", "--no-stdin", "--retries", "0", "hi", env=env) as watched:
        result = watched.finish()
    assert_outcome(result, 6, b"", f"sacli: error: cannot connect to 127.0.0.1:{refused_port}: connection refused")


def test_connection_refused_is_retried_then_fails(env: dict[str, str], refused_port: int) -> None:
    env = {**env, "SACLI_BASE_URL": f"http://127.0.0.1:{refused_port}/api/v1", "OPENROUTER_KEY": "k"}
    with Watched.sacli("stream", "--no-stdin", "hi", env=env) as watched:
        result = watched.finish()
    *notices, error = result.stderr.decode().splitlines()
    message = f"cannot connect to 127.0.0.1:{refused_port}: connection refused"
    assert error == f"sacli: error: {message}"
    assert [retry_notice(line)[::2] for line in notices] == [(message, 1), (message, 2)]
    assert all(retry_notice(line)[3] == 2 for line in notices)
    assert (result.returncode, result.stdout) == (6, b"")
    assert b"Traceback" not in result.stderr


# The connection breaks


def reset_before_headers(conn: Connection, request: Request) -> None:
    conn.reset()


def reset_after_headers(conn: Connection, request: Request) -> None:
    conn.start()
    conn.reset()


@pytest.mark.parametrize("script", [reset_before_headers, reset_after_headers])
def test_reset_before_any_text_fails_with_exit_6(env: dict[str, str], script: Script) -> None:
    with FaultServer(script) as server:
        result = run_against(server, env, "--retries", "0")
    assert_outcome(result, 6, b"", f"sacli: error: connection to {server.where} lost: connection reset by peer")
    assert len(server.requests) == 1


@pytest.mark.parametrize("script", [reset_before_headers, reset_after_headers])
def test_reset_before_any_text_is_retried_and_the_answer_printed_once(env: dict[str, str], script: Script) -> None:
    with FaultServer(script, stream_script(sse("Hel", "lo"))) as server:
        result = run_against(server, env)
    assert (result.returncode, result.stdout) == (0, b"Hello\n")
    [notice] = result.stderr.decode().splitlines()
    assert retry_notice(notice)[0] == f"connection to {server.where} lost: connection reset by peer"
    assert len(server.requests) == 2


def test_closed_without_a_response_is_retried(env: dict[str, str]) -> None:
    with FaultServer(lambda conn, request: conn.close(), stream_script(sse("ok"))) as server:
        result = run_against(server, env)
    assert (result.returncode, result.stdout) == (0, b"ok\n")
    [notice] = result.stderr.decode().splitlines()
    message = f"connection to {server.where} lost: server disconnected without sending a response"
    assert retry_notice(notice)[0] == message


def test_reset_in_the_middle_of_a_chunk_keeps_the_text_and_is_not_retried(env: dict[str, str]) -> None:
    link = Link()

    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(event(chunk(role="assistant", content="")) + event(chunk("partial ")))
        conn.send(b'40\r\ndata: {"choices":[{"del')  # a chunk announced as 64 bytes, cut short
        link.wait_for("stdout", b"partial ")
        conn.reset()

    with FaultServer(script, stream_script(sse("never shown"))) as server:
        watched = link.attach(Watched.sacli("stream", "--no-stdin", "hi", env=api_env(env, server)))
        with watched:
            result = watched.finish()
    assert_outcome(result, 6, b"partial ", f"sacli: error: connection to {server.where} lost: connection reset by peer")
    assert len(server.requests) == 1  # text was written: a retry could print it twice


def test_connection_closed_in_the_middle_of_a_chunk(env: dict[str, str]) -> None:
    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(delta("partial "))
        conn.send(b'40\r\ndata: {"choices"')
        conn.close()

    with FaultServer(script) as server:
        result = run_against(server, env)
    assert_outcome(
        result,
        6,
        b"partial ",
        f"sacli: error: connection to {server.where} lost: "
        "peer closed connection without sending complete message body (incomplete chunked read)",
    )
    assert len(server.requests) == 1


@pytest.mark.parametrize("how", ["reset", "close"])
def test_a_connection_broken_after_the_finish_chunk_keeps_a_complete_answer(env: dict[str, str], how: str) -> None:
    # The answer is whole once finish_reason has arrived: losing the usage chunk, [DONE] or the
    # end of the chunked body to a reset or an unclean close must not make it a failure.
    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(delta("Hel") + delta("lo") + FINISH)
        conn.send(b'40\r\ndata: {"choices":[],"us')
        if how == "reset":
            conn.reset()
        else:
            conn.close()

    with FaultServer(script) as server:
        result = run_against(server, env, "--usage")
    assert_outcome(result, 0, b"Hello\n", "sacli: tokens: not reported by the server")
    assert len(server.requests) == 1


def test_a_connection_broken_before_the_finish_chunk_is_still_a_failure(env: dict[str, str]) -> None:
    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(delta("Hel") + delta("lo"))
        conn.close()

    with FaultServer(script) as server:
        result = run_against(server, env)
    assert_outcome(
        result,
        6,
        b"Hello",
        f"sacli: error: connection to {server.where} lost: "
        "peer closed connection without sending complete message body (incomplete chunked read)",
    )


def test_json_payload_cut_short_by_the_close_is_discarded_and_the_stream_ended_early(env: dict[str, str]) -> None:
    def script(conn: Connection, request: Request) -> None:
        conn.start(framing="close")  # the body ends when the connection does: no framing error to see
        conn.send(delta("complete ") + b'data: {"choices":[{"index":0,"delta":{"content":"cut')
        conn.close()

    with FaultServer(script) as server:
        result = run_against(server, env)
    assert_outcome(result, 6, b"complete ", "sacli: error: stream ended early")
    assert len(server.requests) == 1


def test_json_payload_cut_short_inside_a_complete_event_is_an_api_error(env: dict[str, str]) -> None:
    body = delta("complete ") + b'data: {"choices":[{"index":0,"delta":{"content":"cut\n\n'
    with FaultServer(stream_script(body)) as server:
        result = run_against(server, env)
    assert_outcome(
        result,
        5,
        b"complete ",
        'sacli: error: the stream carried a payload that is not JSON: {"choices":[{"index":0,"delta":{"content":"cut',
    )


def test_content_length_cut_short(env: dict[str, str]) -> None:
    body = delta("complete ") + b"data: {"

    def script(conn: Connection, request: Request) -> None:
        conn.start(framing=len(body) + 100)
        conn.send(body)
        conn.close()

    with FaultServer(script) as server:
        result = run_against(server, env)
    assert_outcome(
        result,
        6,
        b"complete ",
        f"sacli: error: connection to {server.where} lost: peer closed connection without sending "
        f"complete message body (received {len(body)} bytes, expected {len(body) + 100})",
    )


# Stalls and slow servers


def test_server_stalling_mid_stream_hits_the_idle_timeout_and_keeps_the_text(env: dict[str, str]) -> None:
    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(delta("partial "))
        conn.hold()

    with FaultServer(script) as server:
        result = run_against(server, env, "--idle-timeout", "0.5")
    assert_outcome(result, 7, b"partial ", f"sacli: error: no data from {server.where} for 0.5 s (--idle-timeout)")
    assert len(server.requests) == 1


def test_server_stalling_before_the_headers_hits_the_idle_timeout(env: dict[str, str]) -> None:
    with FaultServer(lambda conn, request: conn.hold()) as server:
        result = run_against(server, env, "--idle-timeout", "0.5", "--retries", "0")
    assert_outcome(result, 7, b"", f"sacli: error: no data from {server.where} for 0.5 s (--idle-timeout)")


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_head_trickled_a_byte_at_a_time_is_bounded_by_connect_plus_idle_timeout(
    env: dict[str, str], command: str
) -> None:
    with RawServer(trickled_head) as server:
        result = run(
            command, "--no-stdin", "--connect-timeout", "0.5", "--idle-timeout", "0.5", "--retries", "0", "hi",
            env=keyed(env, server.url("/api/v1")), timeout=30,
        )  # fmt: skip
    assert (result.returncode, result.stdout) == (7, b""), result.stderr
    assert result.stderr.decode() == (
        f"sacli: error: the reply from {server.authority} did not bring its status line and headers within 1 s "
        "(--connect-timeout plus --idle-timeout)\n"
    )
    assert len(server.requests) == 1


def test_one_byte_every_10_ms_and_each_delta_shown_before_the_next_byte(env: dict[str, str]) -> None:
    link = Link()
    texts = ["Hel", "lo ", "wörld"]
    blocks = [b": keep-alive\r\n\r\n"] + [delta(text).replace(b"\n", b"\r\n") for text in texts]
    blocks += [FINISH.replace(b"\n", b"\r\n"), DONE]

    def script(conn: Connection, request: Request) -> None:
        conn.start(framing="close")
        shown = ""
        for block, text in zip(blocks, ["", *texts, "", ""], strict=True):
            for i in range(len(block)):
                conn.send(block[i : i + 1])
                time.sleep(0.01)
            shown += text
            # The delta must be on stdout before the server sends one more byte.
            link.wait_for("stdout", shown.encode())
        conn.close()

    with FaultServer(script) as server:
        watched = link.attach(Watched.sacli("stream", "--no-stdin", "hi", env=api_env(env, server)))
        with watched:
            result = watched.finish(timeout=60)
    assert_outcome(result, 0, "Hello wörld\n".encode())


# Big and many


def test_a_1_mib_delta(env: dict[str, str]) -> None:
    text = ('The quick brown fox jumps over the lazy dog. é€𝄞 "quoted" \\ \t\n' * 20000)[: 1 << 20]
    with FaultServer(stream_script(delta(text) + FINISH + DONE)) as server:
        result = run_against(server, env, "-n")
    assert_outcome(result, 0, text.encode())


def _unread(fd: int) -> int:
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="needs Linux pipes whose size can be set")
def test_a_1_mib_delta_into_a_full_non_blocking_stdout_pipe(env: dict[str, str]) -> None:
    # A parent (node, some CI runners) can leave a shared stdout non-blocking: a full pipe then
    # answers EAGAIN, which must mean "wait", not a crash that loses the rest of the answer.
    text = "0123456789abcdef" * (1 << 16)
    read_end, write_end = os.pipe()
    try:
        capacity = fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
        fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
        with FaultServer(stream_script(delta(text) + FINISH)) as server:
            argv = [SACLI, "stream", "--no-stdin", "-n", "hi"]
            with subprocess.Popen(argv, stdout=write_end, stderr=subprocess.PIPE, env=api_env(env, server)) as proc:
                os.close(write_end)
                write_end = -1
                # Read nothing until sacli has filled the pipe, so its next write meets EAGAIN.
                deadline = time.monotonic() + WAIT
                while _unread(read_end) < capacity and proc.poll() is None:
                    assert time.monotonic() < deadline, "sacli never filled the pipe"
                    select.select([], [], [], 0.01)
                received = _read_all(read_end)
                stderr = proc.stderr.read() if proc.stderr else b""
                returncode = proc.wait(WAIT)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    assert (returncode, stderr) == (0, b"")
    assert received == text.encode()


def test_100000_small_deltas(env: dict[str, str]) -> None:
    head = b'data: {"choices":[{"index":0,"delta":{"content":"'
    tail = b'"},"finish_reason":null}]}\n\n'
    body = b"".join(b"%s%d,%s" % (head, i, tail) for i in range(100_000)) + FINISH + DONE
    with FaultServer(stream_script(body, framing="close")) as server:
        result = run_against(server, env)
    assert_outcome(result, 0, b"".join(b"%d," % i for i in range(100_000)) + b"\n")


def test_invalid_utf8_in_a_delta_is_replaced(env: dict[str, str]) -> None:
    body = b'data: {"choices":[{"index":0,"delta":{"content":"a\xff\xfeb\xe2\x82"}}]}\n\n' + delta("|ok") + FINISH
    with FaultServer(stream_script(body)) as server:
        result = run_against(server, env)
    assert_outcome(result, 0, "a\ufffd\ufffdb\ufffd|ok\n".encode())


# Retries


def test_429_with_retry_after_is_retried_once_and_the_answer_printed_once(env: dict[str, str]) -> None:
    limited = error_script(
        429,
        b'{"error":{"message":"Rate limit exceeded","code":429}}',
        reason="Too Many Requests",
        headers=[("Retry-After", "1")],
    )
    with FaultServer(limited, stream_script(sse("Hello"))) as server:
        result = run_against(server, env)
    assert_outcome(
        result,
        0,
        b"Hello\n",
        "sacli: HTTP 429 Too Many Requests; retrying in 1.0 s (retry 1 of 2)",
    )
    first, retry = server.requests
    assert retry.json() == first.json() and retry.json()["messages"] == [{"role": "user", "content": "hi"}]


def test_503_on_every_attempt_is_bounded_and_within_the_backoff_budget(env: dict[str, str]) -> None:
    retries = 2
    unavailable = error_script(503, b"upstream unavailable", reason="Service Unavailable", content_type="text/plain")
    with FaultServer(unavailable) as server:
        started = time.monotonic()
        result = run_against(server, env, "--retries", str(retries))
        elapsed = time.monotonic() - started
    message = "HTTP 503 Service Unavailable: upstream unavailable"
    *notices, error = result.stderr.decode().splitlines()
    assert (result.returncode, result.stdout, error) == (5, b"", f"sacli: error: {message}")
    assert b"Traceback" not in result.stderr
    assert len(server.requests) == retries + 1
    # Each wait follows the policy: attempt n waits within the upper half of min(8, 0.5 * 2**(n-1)).
    ceilings = [min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (n - 1)) for n in range(1, retries + 1)]
    assert len(notices) == retries
    for n, (line, ceiling) in enumerate(zip(notices, ceilings, strict=True), start=1):
        said, seconds, retry, of = retry_notice(line)
        assert (said, retry, of) == ("HTTP 503 Service Unavailable", n, retries)  # the status line, not the body
        assert ceiling / 2 - 0.05 <= seconds <= ceiling + 0.05
    # A bound on what sacli does (it must not wait longer than its policy), with generous slack.
    assert elapsed <= sum(ceilings) + 5


@pytest.mark.parametrize(("status", "reason", "code"), [(503, "Service Unavailable", 5), (429, "Too Many Requests", 4)])
def test_a_server_asking_for_a_wait_longer_than_a_minute_is_not_waited_for(
    env: dict[str, str], status: int, reason: str, code: int
) -> None:
    script = error_script(status, b"", reason=reason, headers=[("Retry-After", "3600")])
    with FaultServer(script) as server:
        result = run_against(server, env)
    assert_outcome(
        result, code, b"", f"sacli: error: HTTP {status} {reason} (not retried: the server asked to wait 3600 s)"
    )
    assert len(server.requests) == 1


def _retry_forever_script() -> Script:
    return error_script(503, b"", reason="Service Unavailable", headers=[("Retry-After", "30")])


def test_ctrl_c_during_a_retry_wait_ends_sacli_at_once_by_sigint(env: dict[str, str]) -> None:
    with (
        FaultServer(_retry_forever_script()) as server,
        Watched.sacli("stream", "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        watched.wait_for("stderr", b"retrying in 30.0 s")
        watched.signal(signal.SIGINT)
        result = watched.finish(timeout=10)  # far shorter than the 30 s wait it interrupts
    assert result.returncode == -signal.SIGINT
    assert result.stdout == b""
    assert result.stderr == b"sacli: HTTP 503 Service Unavailable; retrying in 30.0 s (retry 1 of 2)\n"
    assert len(server.requests) == 1


def test_ctrl_c_while_the_stream_is_stalled_keeps_the_text_and_ends_by_sigint(env: dict[str, str]) -> None:
    def script(conn: Connection, request: Request) -> None:
        conn.start()
        conn.body(delta("partial "))
        conn.hold()

    with (
        FaultServer(script) as server,
        Watched.sacli("stream", "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        watched.wait_for("stdout", b"partial ")
        watched.signal(signal.SIGINT)
        result = watched.finish(timeout=10)
    assert (result.returncode, result.stdout, result.stderr) == (-signal.SIGINT, b"partial ", b"")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the shell's child")
def test_ctrl_c_during_a_retry_wait_is_status_130_in_a_shell(env: dict[str, str]) -> None:
    script = '"$@"; echo "status $?"'
    with FaultServer(_retry_forever_script()) as server:
        argv = ["bash", "-c", script, "bash", SACLI, "stream", "--no-stdin", "hi"]
        with Watched(argv, env=api_env(env, server)) as watched:
            watched.wait_for("stderr", b"retrying in")
            [child] = _children(watched.proc.pid)
            os.kill(child, signal.SIGINT)
            result = watched.finish(timeout=10)
    assert (result.returncode, result.stdout) == (0, b"status 130\n")
    assert result.stderr == b"sacli: HTTP 503 Service Unavailable; retrying in 30.0 s (retry 1 of 2)\n"


def test_ctrl_c_on_the_process_group_stops_the_calling_script_too(env: dict[str, str]) -> None:
    # What a terminal's Ctrl-C does: SIGINT to the whole foreground group. Because sacli ends by
    # SIGINT (not by exit 130), bash stops the script instead of running its next command.
    script = '"$@"; echo "the script went on"'
    with FaultServer(_retry_forever_script()) as server:
        argv = ["bash", "-c", script, "bash", SACLI, "stream", "--no-stdin", "hi"]
        with Watched(argv, env=api_env(env, server), start_new_session=True) as watched:
            watched.wait_for("stderr", b"retrying in")
            os.killpg(watched.proc.pid, signal.SIGINT)
            result = watched.finish(timeout=10)
    assert (result.returncode, result.stdout) == (-signal.SIGINT, b"")
    assert result.stderr == b"sacli: HTTP 503 Service Unavailable; retrying in 30.0 s (retry 1 of 2)\n"


def test_the_wait_helpers_fail_instead_of_hanging(env: dict[str, str]) -> None:
    # Guards the harness itself: a needle that never comes fails within the timeout.
    with (
        FaultServer(stream_script(sse("ok"))) as server,
        Watched.sacli("stream", "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        with pytest.raises(AssertionError, match="closed without"):
            watched.wait_for("stdout", b"not in the answer", timeout=WAIT)
        assert watched.finish().returncode == 0
