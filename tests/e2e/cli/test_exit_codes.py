"""Every row of the exit-code table, produced by the installed sacli (signals: tests/e2e/stream/test_stream_live.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import chunk, event, run, sse

CHAT = "/api/v1/chat/completions"


def assert_one_error_line(stderr: bytes, *, contains: str) -> None:
    lines = stderr.decode().splitlines()
    errors = [line for line in lines if line.startswith("sacli: error: ")]
    assert len(errors) == 1, stderr
    assert contains in errors[0], stderr
    assert "Traceback" not in stderr.decode()


def test_0_reply_completed(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    assert run("stream", "hi", env=api_env).returncode == ExitCode.OK


def test_1_unexpected_failure_suggests_debug(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    # A bug, simulated: a sitecustomize module makes an internal function raise.
    (tmp_path / "sitecustomize.py").write_text(
        "import sacli.api.chatrequest\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('simulated bug')\n"
        "sacli.api.chatrequest.chat_body = broken\n"
    )
    api_env["PYTHONPATH"] = str(tmp_path)
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.UNEXPECTED
    assert result.stdout == b""
    assert_one_error_line(result.stderr, contains="unexpected error: RuntimeError: simulated bug")
    assert b"--debug" in result.stderr
    debug = run("stream", "--debug", "hi", env=api_env)
    assert debug.returncode == ExitCode.UNEXPECTED
    assert b"Traceback" in debug.stderr and b"simulated bug" in debug.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stream", "--no-such-option", "hi"], "no such option: --no-such-option"),
        (["stream", "--temperature", "9", "hi"], "invalid value for '--temperature'"),
        (["stream", "--no-stdin"], "empty prompt"),
        (["stream", "-p", "novalue", "hi"], "--param wants KEY=VALUE"),
        (["stream", "-H", "bad header", "hi"], "--header wants 'Name: value'"),
        (["nosuchcommand"], "no such command"),
    ],
)
def test_2_usage(api_env: dict[str, str], args: list[str], message: str) -> None:
    result = run(*args, env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == b""
    assert_one_error_line(result.stderr, contains=message)


def test_2_invalid_config_names_file_and_line(api_env: dict[str, str]) -> None:
    path = Path(api_env["XDG_CONFIG_HOME"]) / "sacli" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('model = "a"\nbase_url = \n')
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert_one_error_line(result.stderr, contains=f"invalid config file {path}")
    assert b"line 2" in result.stderr


def test_3_no_key_configured(httpserver: HTTPServer, env: dict[str, str]) -> None:
    env["SACLI_BASE_URL"] = httpserver.url_for("/api/v1")
    result = run("stream", "hi", env=env)
    assert result.returncode == ExitCode.AUTH
    assert_one_error_line(result.stderr, contains="no API key configured")
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("status", [401, 403])
def test_3_http_401_403(httpserver: HTTPServer, api_env: dict[str, str], status: int) -> None:
    body = {"error": {"message": "Invalid API key provided", "type": "authentication_error"}}
    httpserver.expect_request(CHAT).respond_with_json(body, status=status)
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.AUTH
    assert_one_error_line(result.stderr, contains=f"HTTP {status}")
    assert b"Invalid API key provided" in result.stderr
    assert len(httpserver.log) == 1, "authentication failures are not retried"


def test_4_rate_limited_after_retries(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = {"error": {"message": "Rate limit exceeded", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}
    httpserver.expect_request(CHAT).respond_with_json(body, status=429, headers={"Retry-After": "0"})
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert result.returncode == ExitCode.RATE_LIMITED
    assert len(httpserver.log) == 2
    assert result.stderr.count(b"retrying in") == 1
    assert_one_error_line(result.stderr, contains="HTTP 429")


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda s: s.respond_with_json({"error": {"message": "bad model"}}, status=400),
         "HTTP 400 BAD REQUEST: bad model"),
        (lambda s: s.respond_with_data(event(chunk("x")) + b"data: {not json\n\n", content_type="text/event-stream"),
         "not JSON"),
        (lambda s: s.respond_with_data(b"<html>hello</html>", content_type="text/html"), "neither an event stream"),
        (lambda s: s.respond_with_data(event({"error": "quota gone"}), content_type="text/event-stream"), "quota gone"),
    ],
)  # fmt: skip
def test_5_api_error(httpserver: HTTPServer, api_env: dict[str, str], respond, message: str) -> None:
    respond(httpserver.expect_request(CHAT))
    result = run("stream", "--retries", "0", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert_one_error_line(result.stderr, contains=message)


def test_5_server_error_after_retries(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data("boom", status=500)
    result = run("stream", "--retries", "2", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert len(httpserver.log) == 3
    assert result.stderr.count(b"retrying in") == 2
    assert_one_error_line(result.stderr, contains="HTTP 500 INTERNAL SERVER ERROR: boom")


def test_6_cannot_connect(env: dict[str, str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env.update(OPENROUTER_KEY="k" * 20, SACLI_BASE_URL=f"http://127.0.0.1:{port}/api/v1")
    result = run("stream", "--retries", "0", "hi", env=env)
    assert result.returncode == ExitCode.NETWORK
    assert_one_error_line(result.stderr, contains=f"cannot connect to 127.0.0.1:{port}")


def test_6_stream_ended_early_keeps_text(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(event(chunk("partial")), content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.NETWORK
    assert result.stdout == b"partial"
    assert_one_error_line(result.stderr, contains="stream ended early")
    assert len(httpserver.log) == 1, "nothing is retried once output has begun"


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port whose accept queue is full: connecting to it hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_7_idle_timeout_keeps_text(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    from tests.support.streaming import PacedStream

    stream = PacedStream(["partial"])
    stream.keepalive = 30  # silence: nothing after the first delta
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    result = run("stream", "--idle-timeout", "0.3", "hi", env=api_env)
    stream.release.set()
    assert result.returncode == ExitCode.TIMEOUT
    assert result.stdout == b"partial"
    assert_one_error_line(result.stderr, contains="--idle-timeout")


def test_7_total_timeout(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    from tests.support.streaming import PacedStream

    stream = PacedStream(["partial"])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    result = run("stream", "--timeout", "2", "hi", env=api_env)
    stream.release.set()
    assert result.returncode == ExitCode.TIMEOUT
    assert result.stdout == b"partial"
    assert_one_error_line(result.stderr, contains="timed out")


def test_7_connect_timeout(env: dict[str, str], silent_listener: int) -> None:
    env.update(OPENROUTER_KEY="k" * 20, SACLI_BASE_URL=f"http://127.0.0.1:{silent_listener}/api/v1")
    result = run("stream", "--retries", "0", "--connect-timeout", "0.3", "hi", env=env)
    assert result.returncode == ExitCode.TIMEOUT, result.stderr
    assert_one_error_line(result.stderr, contains="cannot connect")


@pytest.mark.parametrize("args", [["--version"], ["stream", "--help"], ["sessions", "--help"]])
def test_141_also_for_help_and_version_into_a_closed_pipe(env: dict[str, str], args: list[str]) -> None:
    import subprocess

    from tests.support.helpers import SACLI

    # `true` exits without reading, so sacli's first write meets a closed pipe.
    quoted = " ".join(f"'{a}'" for a in args)
    script = f"'{SACLI}' {quoted} | true; echo \"status=${{PIPESTATUS[0]}}\""
    result = subprocess.run(["bash", "-c", script], capture_output=True, env=env, timeout=30, stdin=subprocess.DEVNULL)
    assert result.stdout == b"status=141\n"
    assert result.stderr == b""
