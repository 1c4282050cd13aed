"""Model text is untrusted: on a terminal its control sequences are shown, not executed.

sacli runs with stdout on a real pseudo-terminal (output post-processing off, so the bytes read
from the master are exactly the bytes sacli wrote). ESC is shown as ``\\e`` and every other C0/C1
control but newline and tab as ``\\xNN``; ``--raw`` turns that off; in a pipe or a file the bytes
pass through unchanged.
"""

from __future__ import annotations

import errno
import os
import select
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import SACLI, chunk, event, run, sse

CHAT = "/api/v1/chat/completions"
WAIT = 20.0

HOSTILE = (
    "colour \x1b[31mred\x1b[0m"
    " clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07"
    " link \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
    " title \x1b]0;owned\x1b\\"
    " bell \x07 backspace \x08 cr \r nul \x00 del \x7f"
    " c1-csi \x9b2J c1-osc \x9d0;x\x9c nel \x85"
    " tab \t newline \n unicode é€𝄞 end"
)
SHOWN = (
    "colour \\e[31mred\\e[0m"
    " clipboard \\e]52;c;ZWNobyBwd25lZA==\\x07"
    " link \\e]8;;https://evil.example/\\e\\click\\e]8;;\\e\\"
    " title \\e]0;owned\\e\\"
    " bell \\x07 backspace \\x08 cr \\x0d nul \\x00 del \\x7f"
    " c1-csi \\x9b2J c1-osc \\x9d0;x\\x9c nel \\x85"
    " tab \t newline \n unicode é€𝄞 end"
)


@dataclass
class Result:
    returncode: int
    stdout: bytes
    stderr: bytes


def _raw_pty() -> tuple[int, int]:
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # no "\n" -> "\r\n": read back exactly what was written
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    return master, slave


def _read_until_closed(fd: int, deadline: float) -> bytes:
    data = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the terminal was not closed in time; so far: {bytes(data)!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            more = os.read(fd, 65536)
        except OSError as exc:  # Linux reports the closed slave side as EIO
            if exc.errno == errno.EIO:
                return bytes(data)
            raise
        if not more:
            return bytes(data)
        data += more


def run_on_terminal(*args: str, env: dict[str, str], stderr_too: bool = False) -> Result:
    """Run the installed sacli with stdout (and optionally stderr) on a pseudo-terminal."""
    out_master, out_slave = _raw_pty()
    err_master, err_slave = _raw_pty() if stderr_too else (None, None)
    deadline = time.monotonic() + WAIT
    with subprocess.Popen(
        [SACLI, *args],
        stdin=subprocess.DEVNULL,
        stdout=out_slave,
        stderr=err_slave if err_slave is not None else subprocess.PIPE,
        env=env,
    ) as proc:
        os.close(out_slave)
        if err_slave is not None:
            os.close(err_slave)
        try:
            stdout = _read_until_closed(out_master, deadline)
            if err_master is not None:
                stderr = _read_until_closed(err_master, deadline)
            else:
                assert proc.stderr is not None
                stderr = proc.stderr.read()
            returncode = proc.wait(max(0.1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(out_master)
            if err_master is not None:
                os.close(err_master)
    return Result(returncode, stdout, stderr)


def test_the_helper_really_gives_a_terminal(env: dict[str, str]) -> None:
    # Without a terminal the escaping below could not be seen: check the harness once.
    check = "import os, sys; sys.stdout.write(str(os.isatty(1)))"
    out_master, out_slave = _raw_pty()
    with subprocess.Popen([str(Path(SACLI).with_name("python")), "-c", check], stdout=out_slave, env=env) as proc:
        os.close(out_slave)
        output = _read_until_closed(out_master, time.monotonic() + WAIT)
        proc.wait(WAIT)
    os.close(out_master)
    assert output == b"True"


def test_controls_in_model_text_are_shown_escaped_on_a_terminal(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    # Split over deltas the way a model would emit them: an escape sequence across two chunks.
    pieces = [HOSTILE[:10], HOSTILE[10:45], HOSTILE[45:]]
    httpserver.expect_request(CHAT).respond_with_data(sse(*pieces), content_type="text/event-stream")
    result = run_on_terminal("stream", "hi", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == SHOWN.encode() + b"\n"
    assert b"\x1b" not in result.stdout and b"\x07" not in result.stdout
    assert "\x9b".encode() not in result.stdout  # the C1 controls as UTF-8, too


def test_raw_passes_controls_through_on_a_terminal(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(HOSTILE), content_type="text/event-stream")
    result = run_on_terminal("stream", "--raw", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, HOSTILE.encode() + b"\n")


def test_in_a_pipe_the_bytes_pass_through_unchanged(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(HOSTILE), content_type="text/event-stream")
    result = run("stream", "-n", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, HOSTILE.encode(), b"")


def test_in_a_file_the_bytes_pass_through_unchanged(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(HOSTILE), content_type="text/event-stream")
    answer = tmp_path / "answer.txt"
    with answer.open("wb") as stdout:
        result = subprocess.run(
            [SACLI, "stream", "hi"], stdin=subprocess.DEVNULL, stdout=stdout, env=api_env, timeout=WAIT
        )
    assert result.returncode == 0
    assert answer.read_bytes() == HOSTILE.encode() + b"\n"


def test_partial_text_before_an_error_is_escaped_and_its_line_ended(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    body = event(chunk("before \x1b[2J")) + event({"error": {"message": "boom"}})
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run_on_terminal("stream", "hi", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b"before \\e[2J\n"
    assert result.stderr == b"sacli: error: the server reported an error: boom\n"


def test_json_lines_on_a_terminal_are_escaped_too(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    # A lenient server may put a raw ESC inside a JSON string; sacli accepts it and must not run it.
    body = b'data: {"choices":[{"delta":{"content":"\x1b]52;c;eA==\x07"}}]}\n\ndata: [DONE]\n\n'
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run_on_terminal("stream", "--json", "hi", env=api_env)
    assert result.returncode == 0
    assert result.stdout == b'{"choices":[{"delta":{"content":"\\e]52;c;eA==\\x07"}}]}\n'


@pytest.mark.parametrize("where", ["an HTTP error body", "an error event"])
def test_controls_in_server_errors_are_shown_escaped_on_a_terminal_stderr(
    httpserver: HTTPServer, api_env: dict[str, str], where: str
) -> None:
    message = "bad \x1b]52;c;ZWNobyBwd25lZA==\x07 request"
    if where == "an HTTP error body":
        httpserver.expect_request(CHAT).respond_with_json({"error": {"message": message}}, status=400)
        shown = "HTTP 400 BAD REQUEST: bad \\e]52;c;ZWNobyBwd25lZA==\\x07 request"
    else:
        body = event({"error": {"message": message}})
        httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
        shown = "the server reported an error: bad \\e]52;c;ZWNobyBwd25lZA==\\x07 request"
    env = {**api_env, "TERM": "dumb"}  # no spinner: stderr then holds only the message
    result = run_on_terminal("stream", "hi", env=env, stderr_too=True)
    assert (result.returncode, result.stdout) == (5, b"")
    assert result.stderr.replace(b"\n  ", b" ") == f"sacli: error: {shown}\n".encode()  # folded between words
