"""-c/--continue end to end, and the memory parameters --user-memory-tokens, --auto-memory and
--summary-threshold: what reaches the request body, from flags and from the config file.

The session --continue picks up is the one sacli last used or created, kept under
$XDG_STATE_HOME/sacli/ and written only once a request with it has succeeded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.e2e.config.test_config import write_config
from tests.support.helpers import completion, run, sse
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"
SESSIONS = "/api/v1/memory/sessions"
CREATED = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
OTHER = "5d1f0a52-8a3c-4b5e-9f10-2b7c9d8e6a41"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json(
        {"success": True, "data": {"id": CREATED, "title": "t", "createdAt": "2025-01-15T10:30:00Z"}}
    )
    return httpserver


def chat_bodies(httpserver: HTTPServer) -> list[dict]:
    return [request.get_json() for request, _ in httpserver.log if request.path == CHAT]


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_continue_before_any_session_is_a_usage_error_with_a_hint(
    command: str, server: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run(command, "-c", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode() == (
        "sacli: error: no session to continue yet (start one with sacli chat --new-session or "
        "sacli sessions create, or give --session ID)\n"
    )
    assert server.log == []


def test_continue_after_sessions_create_sends_that_session(server: HTTPServer, api_env: dict[str, str]) -> None:
    created = run("sessions", "create", "--title", "Trip", env=api_env)
    assert created.stdout == f"{CREATED}\n".encode()
    assert run("stream", "--continue", "first", env=api_env).returncode == 0
    assert run("chat", "-c", "second", env=api_env).returncode == 0
    assert [body.get("sessionId") for body in chat_bodies(server)] == [CREATED, CREATED]


def test_continue_after_chat_new_session_sends_that_session(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(completion("ok"))
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"id": CREATED})
    first = run("chat", "--new-session", "Plan a trip", env=api_env)
    assert first.returncode == 0
    assert run("chat", "-c", "and the hotels?", env=api_env).returncode == 0
    assert [body.get("sessionId") for body in chat_bodies(httpserver)] == [CREATED, CREATED]


def test_continue_picks_the_session_last_used(server: HTTPServer, api_env: dict[str, str]) -> None:
    run("sessions", "create", env=api_env)
    assert run("stream", "--session", OTHER, "hi", env=api_env).returncode == 0
    assert run("stream", "-c", "again", env=api_env).returncode == 0
    assert [body.get("sessionId") for body in chat_bodies(server)] == [OTHER, OTHER]


def test_a_failed_request_does_not_become_the_session_to_continue(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"id": CREATED})
    httpserver.expect_request(CHAT).respond_with_json({"error": {"message": "no such session"}}, status=404)
    run("sessions", "create", env=api_env)
    refused = run("stream", "--session", OTHER, "hi", env=api_env)
    assert refused.returncode == ExitCode.API
    state = Path(api_env["XDG_STATE_HOME"]) / "sacli" / "last-session"
    assert state.read_text() == f"{CREATED}\n"
    assert state.stat().st_mode & 0o777 == 0o600


def test_continue_and_session_exclude_each_other(server: HTTPServer, api_env: dict[str, str]) -> None:
    run("sessions", "create", env=api_env)
    for args in (("stream", "-c", "--session", OTHER), ("chat", "-c", "--new-session")):
        result = run(*args, "hi", env=api_env)
        assert result.returncode == ExitCode.USAGE, args
        assert b"cannot be used together" in result.stderr
    assert chat_bodies(server) == []


def test_sessions_list_marks_the_session_to_continue_on_a_terminal_only(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    records = [
        {"id": CREATED, "title": "Trip", "createdAt": "2025-01-15T10:30:00Z", "messageCount": 2},
        {"id": OTHER, "title": "Work", "createdAt": "2025-01-16T10:30:00Z", "messageCount": 4},
    ]
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"id": CREATED})
    httpserver.expect_request(SESSIONS, method="GET").respond_with_json({"data": records})
    run("sessions", "create", env=api_env)
    terminal = Terminal("sessions", "list", env={**api_env, "NO_COLOR": "1"}, columns=140)
    try:
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    rows = {line for line in ANSI.sub("", terminal.output.decode()).splitlines() if CREATED in line or OTHER in line}
    assert [("--continue" in row) for row in sorted(rows, key=lambda row: CREATED not in row)] == [True, False]
    piped = run("sessions", "list", env=api_env)
    assert b"--continue" not in piped.stdout
    assert all(line.count("\t") == 3 for line in piped.stdout.decode().splitlines())


def test_an_unwritable_state_directory_is_no_error(server: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = {**api_env, "XDG_STATE_HOME": str(blocker)}
    result = run("stream", "--session", OTHER, "hi", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"ok\n", b"")


# --- The memory parameters ---------------------------------------------------------------------------


def test_the_memory_parameters_reach_the_body(server: HTTPServer, api_env: dict[str, str]) -> None:
    result = run(
        "stream", "--user-memory", "--user-memory-tokens", "800", "--no-auto-memory", "--summary-threshold", "25",
        "hi", env=api_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = chat_bodies(server)[0]
    assert {k: body[k] for k in ("useUserMemory", "userMemoryTokens", "autoMemory", "summaryThreshold")} == {
        "useUserMemory": True,
        "userMemoryTokens": 800,
        "autoMemory": False,
        "summaryThreshold": 25,
    }
    run("chat", "--auto-memory", "hi", env=api_env)
    assert chat_bodies(server)[1]["autoMemory"] is True


def test_unset_memory_parameters_are_not_sent(server: HTTPServer, api_env: dict[str, str]) -> None:
    run("stream", "hi", env=api_env)
    assert not {"userMemoryTokens", "autoMemory", "summaryThreshold"} & set(chat_bodies(server)[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--summary-threshold", "9"), "--summary-threshold"),
        (("--user-memory-tokens", "0"), "--user-memory-tokens"),
    ],
)
def test_memory_parameters_out_of_range_are_usage_errors(
    args: tuple[str, ...], message: str, server: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("stream", *args, "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert message.encode() in result.stderr
    assert server.log == []


def test_the_memory_parameters_come_from_the_config_file(server: HTTPServer, api_env: dict[str, str]) -> None:
    write_config(api_env, "user_memory_tokens = 300\nauto_memory = false\nsummary_threshold = 40\n")
    run("stream", "hi", env=api_env)
    run("stream", "--summary-threshold", "12", "--auto-memory", "hi", env=api_env)
    first, second = chat_bodies(server)
    assert (first["userMemoryTokens"], first["autoMemory"], first["summaryThreshold"]) == (300, False, 40)
    assert (second["userMemoryTokens"], second["autoMemory"], second["summaryThreshold"]) == (300, True, 12)
    shown = {row["key"]: row for row in json.loads(run("config", "show", "--json", env=api_env).stdout)}
    assert shown["summary_threshold"]["value"] == 40
    assert shown["summary_threshold"]["source"].endswith("config.toml:3")


def test_a_summary_threshold_below_10_in_the_config_file_is_refused(
    server: HTTPServer, api_env: dict[str, str]
) -> None:
    write_config(api_env, "summary_threshold = 5\n")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert b"summary_threshold must be a whole number of at least 10" in result.stderr
    assert server.log == []


def test_an_interactive_chat_continues_the_last_session_and_says_how_to_resume_it(
    server: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    assert run("sessions", "create", env=api_env).returncode == 0
    stderr = tmp_path / "stderr.txt"
    tty = {**api_env, "TERM": "dumb", "NO_COLOR": "1", "INPUTRC": "/dev/null"}
    chat = Terminal("chat", "-c", env=tty, stderr_path=str(stderr))
    try:
        chat.type_line("where were we?")
        chat.expect("ok")
        chat.leave()
    finally:
        chat.close()
    assert [body.get("sessionId") for body in chat_bodies(server)] == [CREATED]
    assert stderr.read_text().splitlines()[-1] == f"sacli: resume with: sacli chat --session {CREATED}"
