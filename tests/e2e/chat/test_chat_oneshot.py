"""One-shot sacli chat end to end: the installed command against a local server."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import AUTH_HINT, USAGE, chunk, completion, event, run, sse
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"
SESSIONS = "/api/v1/memory/sessions"
SESSION_ID = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"


def test_sends_stream_false_and_prints_exactly_the_content(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_json(completion("The whole answer."))
    result = run("chat", "Say", "something", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"The whole answer.\n", b"")
    request, _ = httpserver.log[-1]
    assert request.headers["Accept"] == "application/json"
    assert request.get_json() == {
        "model": "openrouter/auto",
        "messages": [{"role": "user", "content": "Say something"}],
        "stream": False,
        "usage": {"include": True},  # the cost, for the local log
    }


def test_shares_the_stream_options(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(completion("ok"))
    result = run(
        "chat", "-s", "be brief", "-m", "openai/gpt-4o-mini", "--session", SESSION_ID, "--no-rag",
        "-p", "seed=7", "hi", env=api_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert httpserver.log[-1][0].get_json() == {
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "stream": False,
        "usage": {"include": True},
        "sessionId": SESSION_ID,
        "session_id": SESSION_ID,
        "useRAG": False,
        "seed": 7,
    }


def test_json_prints_the_response_body_on_one_line(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = completion("multi\nline answer")
    body["provider"] = "SomeProvider"
    httpserver.expect_request(CHAT).respond_with_json(body)
    result = run("chat", "--json", "hi", env=api_env)
    assert result.returncode == 0
    assert result.stdout.count(b"\n") == 1 and result.stdout.endswith(b"\n")
    assert json.loads(result.stdout) == body
    assert result.stderr == b""


def test_prompt_from_stdin_follows_the_arguments(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(completion("ok"))
    assert run("chat", "Summarise:", env=api_env, input=b"a\nb\n").returncode == 0
    assert run("chat", env=api_env, input=b"only stdin").returncode == 0
    contents = [r.get_json()["messages"][-1]["content"] for r, _ in httpserver.log]
    assert contents == ["Summarise:\n\na\nb\n", "only stdin"]


def test_an_sse_answer_is_printed_whole(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("Hel", "lo, ", "world"), content_type="text/event-stream")
    result = run("chat", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"Hello, world\n", b"")


def test_an_sse_answer_with_json_is_merged_into_one_completion(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("Hel", "lo"), content_type="text/event-stream")
    result = run("chat", "--json", "hi", env=api_env)
    assert result.returncode == 0
    assert result.stdout.count(b"\n") == 1
    assert json.loads(result.stdout) == {
        "id": "gen-test",
        "created": 1700000000,
        "model": "test/model",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
        "usage": USAGE,
    }


def test_a_reply_cut_short_prints_nothing(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = event(chunk("partial ")) + event(chunk("answer"))  # no finish_reason, no [DONE]
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("chat", "--retries", "0", "hi", env=api_env)
    assert result.returncode == 6
    assert result.stdout == b""
    assert result.stderr == b"sacli: error: stream ended early\n"


def test_usage_goes_to_stderr(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(completion("ok"))
    result = run("chat", "--usage", "hi", env=api_env)
    assert result.stdout == b"ok\n"
    assert result.stderr == b"sacli: tokens: prompt 12, completion 3, total 15\n"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (401, 3, f"sacli: error: HTTP 401 UNAUTHORIZED: Invalid API key ({AUTH_HINT})\n".encode()),
        (429, 4, b"sacli: error: HTTP 429 TOO MANY REQUESTS: Invalid API key\n"),
        (500, 5, b"sacli: error: HTTP 500 INTERNAL SERVER ERROR: Invalid API key\n"),
    ],
)
def test_http_errors_end_with_their_exit_codes(
    httpserver: HTTPServer, api_env: dict[str, str], status: int, code: int, message: bytes
) -> None:
    error = {"error": {"message": "Invalid API key"}}
    httpserver.expect_request(CHAT).respond_with_json(error, status=status)
    result = run("chat", "--retries", "0", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (code, b"", message)


def test_json_mode_writes_the_error_body(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    error = {"error": {"message": "Invalid model", "code": "invalid_model"}}
    httpserver.expect_request(CHAT).respond_with_json(error, status=400)
    result = run("chat", "--json", "hi", env=api_env)
    assert result.returncode == 5
    assert json.loads(result.stdout) == error and result.stdout.count(b"\n") == 1


def test_retries_a_server_error_then_prints_the_answer_once(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    busy = {"error": {"message": "busy"}}
    httpserver.expect_ordered_request(CHAT).respond_with_json(busy, status=503, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request(CHAT).respond_with_json(completion("second time lucky"))
    result = run("chat", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"second time lucky\n")
    assert result.stderr.startswith(b"sacli: HTTP 503")
    assert len(httpserver.log) == 2


def test_cannot_connect_exits_6(api_env: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**api_env, "SACLI_BASE_URL": f"http://127.0.0.1:{port}/api/v1"}
    result = run("chat", "--retries", "0", "hi", env=env)
    assert (result.returncode, result.stdout) == (6, b"")
    assert result.stderr.startswith(b"sacli: error: cannot connect to 127.0.0.1:")


def test_no_prompt_off_a_terminal_is_a_usage_error(api_env: dict[str, str]) -> None:
    result = run("chat", env=api_env)  # stdin is /dev/null: one-shot mode, and nothing to send
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == (
        b"sacli: error: empty prompt: give it as arguments or on standard input (see 'sacli chat --help')\n"
    )


def test_new_session_creates_one_and_uses_it(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json(
        {"data": {"id": SESSION_ID, "title": "x", "createdAt": "2025-01-15T10:30:00Z", "messageCount": 0}}
    )
    httpserver.expect_request(CHAT).respond_with_json(completion("ok"))
    result = run("chat", "--new-session", "Plan   a trip\nto Rome", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"ok\n")
    assert result.stderr == f"sacli: new session {SESSION_ID}\n".encode()
    (create, _), (ask, _) = httpserver.log
    assert create.get_json() == {"title": "Plan a trip to Rome"}
    assert ask.get_json()["sessionId"] == SESSION_ID
    assert ask.get_json()["messages"] == [{"role": "user", "content": "Plan   a trip\nto Rome"}]


def test_new_session_without_an_id_in_the_reply_is_an_api_error(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"data": {"title": "x"}})
    result = run("chat", "--new-session", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (5, b"")
    assert result.stderr == b"sacli: error: the server created a session but its reply holds no session ID\n"
    assert len(httpserver.log) == 1  # no chat request


def test_new_session_and_session_exclude_each_other(api_env: dict[str, str]) -> None:
    result = run("chat", "--new-session", "--session", SESSION_ID, "hi", env=api_env)
    assert result.returncode == 2
    assert result.stderr == b"sacli: error: --new-session and --session cannot be used together\n"


def test_new_session_is_not_retried_on_409(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"error": "exists"}, status=409)
    result = run("chat", "--new-session", "hi", env=api_env)
    assert result.returncode == 5
    assert len(httpserver.log) == 1
    assert b"retrying" not in result.stderr


def test_an_attachment_alone_on_a_terminal_is_a_one_shot_answer(
    httpserver: HTTPServer, api_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(completion("A note."))
    (tmp_path / "note.txt").write_text("ship it\n")
    chat = Terminal("chat", "-a", str(tmp_path / "note.txt"), env={**api_env, "TERM": "dumb"})
    terminals.append(chat)
    assert chat.exit_code() == 0
    assert b"A note." in chat.output
    (request, _), *_ = httpserver.log
    assert request.get_json()["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "note.txt:\n\nship it\n"}]}
    ]
