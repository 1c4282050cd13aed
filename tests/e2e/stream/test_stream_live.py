"""Deltas reach the reader as they arrive, and signals or a closed pipe end sacli at once."""

from __future__ import annotations

import os
import select
import signal
import subprocess

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import SACLI
from tests.support.streaming import PacedStream

CHAT = "/api/v1/chat/completions"


def read_exactly(fd: int, n: int, timeout: float = 10) -> bytes:
    data = b""
    while len(data) < n:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"timed out waiting for output; got {data!r}"
        piece = os.read(fd, n - len(data))
        assert piece, f"stdout closed early; got {data!r}"
        data += piece
    return data


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SACLI, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


@pytest.mark.parametrize("mode", ["pipe", "file"])
def test_first_delta_is_readable_before_the_second_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path, mode: str
) -> None:
    stream = PacedStream(["first "], ["second"])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    if mode == "pipe":
        proc = start(["stream", "hi"], api_env)
        assert read_exactly(proc.stdout.fileno(), 6) == b"first "
    else:
        out = tmp_path / "out.txt"
        with out.open("wb") as sink:
            proc = subprocess.Popen(
                [SACLI, "stream", "hi"], stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.PIPE, env=api_env
            )
        assert stream.first_sent.wait(10)
        # The file holds the first delta while the server still holds the second back.
        with out.open("rb") as reader:
            fd = reader.fileno()
            data = b""
            while data != b"first ":
                assert proc.poll() is None
                select.select([], [], [], 0.01)  # regular files are always "ready"; poll until written
                data = os.pread(fd, 100, 0)
    assert not stream.release.is_set()
    stream.release.set()
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0, stderr
    if mode == "pipe":
        assert stdout == b"second\n"
    else:
        assert (tmp_path / "out.txt").read_bytes() == b"first second\n"
    assert stderr == b""


@pytest.mark.parametrize(("signum", "shell_status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_stream_closes_the_connection_and_ends_by_the_signal(
    httpserver: HTTPServer, api_env: dict[str, str], signum: int, shell_status: int
) -> None:
    stream = PacedStream(["partial "])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    proc = start(["stream", "hi"], api_env)
    assert read_exactly(proc.stdout.fileno(), 8) == b"partial "
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == -signum  # what a shell reports as 128 + signum
    assert 128 + signum == shell_status
    assert stdout == b""  # "partial " was read above and nothing else came
    assert b"Traceback" not in stderr
    assert stream.client_gone.wait(5), "the server did not see the connection close"
    stream.release.set()


def test_sigint_status_is_130_in_a_shell(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    stream = PacedStream(["partial "])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    shell = subprocess.Popen(
        ["bash", "-c", f'"{SACLI}" stream hi; echo "status=$?" >&2'],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=api_env,
    )
    assert read_exactly(shell.stdout.fileno(), 8) == b"partial "
    children = f"/proc/{shell.pid}/task/{shell.pid}/children"
    with open(children) as f:
        (sacli_pid,) = map(int, f.read().split())
    os.kill(sacli_pid, signal.SIGINT)
    _, stderr = shell.communicate(timeout=10)
    assert stderr == b"status=130\n"
    assert stream.client_gone.wait(5)
    stream.release.set()


def test_closed_stdout_ends_silently_with_141(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    stream = PacedStream(["0123456789" * 20])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    script = f'set -o pipefail; "{SACLI}" stream hi | head -c 100; s=${{PIPESTATUS[0]}}; echo; echo "status=$s"'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, env=api_env, timeout=20, stdin=subprocess.DEVNULL
    )
    assert result.stdout == b"0123456789" * 10 + b"\nstatus=141\n"
    assert result.stderr == b""
    assert stream.client_gone.wait(5)
    stream.release.set()
