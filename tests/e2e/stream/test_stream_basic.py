"""sacli stream end to end: the installed command against a local SSE server."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

from tests.support.helpers import OPENROUTER_KEY, SUPER_AGENT_KEY, USAGE, chunk, run, sse

CHAT = "/api/v1/chat/completions"


def test_text_goes_to_stdout_and_nothing_to_stderr(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_data(
        sse("Hel", "lo, ", "world"), content_type="text/event-stream"
    )
    result = run("stream", "Say hello", env=api_env)
    assert result.returncode == 0
    assert result.stdout == b"Hello, world\n"
    assert result.stderr == b""


def test_json_writes_every_payload_verbatim_one_per_line(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = sse("a", "b")
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "--json", "x", env=api_env)
    expected = [line[len(b"data: ") :] for line in body.split(b"\n") if line.startswith(b"data: {")]
    assert result.returncode == 0
    assert result.stdout == b"".join(line + b"\n" for line in expected)
    assert len(expected) == 5  # role, a, b, finish, usage
    assert result.stderr == b""


def test_request_carries_keys_and_only_what_the_user_set(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == 0
    request, _ = httpserver.log[-1]
    assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
    # A stream is asked for as it is: a compressing proxy would hold the deltas back.
    assert (request.headers["Accept"], request.headers["Accept-Encoding"]) == ("text/event-stream", "identity")
    assert request.get_json() == {
        "model": "openrouter/auto",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "usage": {"include": True},  # the cost, for the local log
    }
    assert run("stream", "--no-log", "hi", env=api_env).returncode == 0
    request, _ = httpserver.log[-1]
    assert "usage" not in request.get_json()  # without the log, sacli asks only what the user set


def test_every_option_lands_in_the_body_as_the_api_spells_it(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    session = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"
    result = run(
        "stream", "-s", "be brief", "-m", "openai/gpt-4o-mini", "-t", "0.7", "--max-tokens", "100",
        "--top-p", "0.9", "--session", session, "--no-save", "--rag", "--rag-query", "refunds",
        "--user-memory", "--memory-strategy", "summarize", "-p", "seed=42", "-p", "stop=[\"x\"]",
        "-p", "note=plain text", "-H", "X-Trace: abc", "hello", env=api_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    request, _ = httpserver.log[-1]
    assert request.headers["X-Trace"] == "abc"
    assert request.get_json() == {
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "usage": {"include": True},
        "temperature": 0.7,
        "max_tokens": 100,
        "top_p": 0.9,
        "sessionId": session,
        "session_id": session,
        "saveToMemory": False,
        "useRAG": True,
        "ragQuery": "refunds",
        "useUserMemory": True,
        "memoryStrategy": "summarize",
        "seed": 42,
        "stop": ["x"],
        "note": "plain text",
    }


def test_stdin_is_the_prompt_or_follows_the_arguments(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    assert run("stream", env=api_env, input=b"from stdin\n").returncode == 0
    assert run("stream", "Summarise:", env=api_env, input=b"line 1\nline 2\n").returncode == 0
    assert run("stream", "--no-stdin", "only args", env=api_env, input=b"ignored").returncode == 0
    contents = [r.get_json()["messages"][-1]["content"] for r, _ in httpserver.log]
    assert contents == ["from stdin\n", "Summarise:\n\nline 1\nline 2\n", "only args"]


def test_usage_goes_to_stderr(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", "--usage", "hi", env=api_env)
    assert result.stdout == b"ok\n"
    total = USAGE["total_tokens"]
    assert result.stderr == f"sacli: tokens: prompt 12, completion 3, total {total}\n".encode()


def test_no_newline_and_existing_newline(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ends with newline\n"), content_type="text/event-stream")
    assert run("stream", "hi", env=api_env).stdout == b"ends with newline\n"
    httpserver.clear()
    httpserver.expect_request(CHAT).respond_with_data(sse("no newline"), content_type="text/event-stream")
    assert run("stream", "-n", "hi", env=api_env).stdout == b"no newline"


def test_text_goes_out_unchanged(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    text = "# Title\n\n**bold** [red]not markup[/red] :smile: " + "x" * 300 + "\n"
    httpserver.expect_request(CHAT).respond_with_data(sse(text), content_type="text/event-stream")
    assert run("stream", "hi", env=api_env).stdout == text.encode()


def test_length_finish_warns_but_succeeds(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("cut", finish="length"), content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"cut\n")
    assert result.stderr.startswith(b"sacli: warning: ") and b"length" in result.stderr


def test_json_completion_is_accepted_for_a_stream_request(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    from tests.support.helpers import completion

    httpserver.expect_request(CHAT).respond_with_json(completion("whole answer"))
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"whole answer\n", b"")


def test_no_stream_sends_stream_false(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    from tests.support.helpers import completion

    httpserver.expect_request(CHAT).respond_with_json(completion("whole"))
    result = run("stream", "--no-stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"whole\n")
    body = httpserver.log[-1][0].get_json()
    assert body["stream"] is False and "stream_options" not in body


def test_mid_stream_error_keeps_text_and_exits_5(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    from tests.support.helpers import event

    error = chunk("", finish="error", error={"code": "server_error", "message": "Provider disconnected"})
    body = event(chunk("partial ")) + event(error)
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b"partial "
    assert result.stderr == b"sacli: error: the server reported an error: Provider disconnected (code server_error)\n"


def test_json_mode_writes_the_error_body(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    error = {"error": {"message": "Invalid model", "type": "invalid_request_error", "code": "invalid_model"}}
    httpserver.expect_request(CHAT).respond_with_json(error, status=400)
    result = run("stream", "--json", "hi", env=api_env)
    assert result.returncode == 5
    assert json.loads(result.stdout) == error and result.stdout.count(b"\n") == 1
    assert result.stderr.startswith(b"sacli: error: HTTP 400")


def test_header_option_replaces_sacli_own_header_whatever_its_case(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", "-H", "user-agent: my-agent/1", "-H", "accept: text/event-stream", "hi", env=api_env)
    assert result.returncode == 0
    request, _ = httpserver.log[-1]
    assert request.headers.getlist("User-Agent") == ["my-agent/1"]
    assert request.headers.getlist("Accept") == ["text/event-stream"]


def test_no_key_fails_before_waiting_on_stdin(httpserver: HTTPServer, env: dict[str, str]) -> None:
    import subprocess

    from tests.support.helpers import SACLI

    env["SACLI_BASE_URL"] = httpserver.url_for("/api/v1")
    # stdin stays open and silent: sacli must not wait on it before reporting the missing key.
    proc = subprocess.Popen(
        [SACLI, "stream", "hi"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        status = proc.wait(10)  # a sacli waiting on stdin would still be running
    finally:
        if proc.poll() is None:
            proc.kill()
        stdout, stderr = proc.communicate(timeout=10)
    assert status == 3
    assert stdout == b"" and stderr.startswith(b"sacli: error: no API key configured")


def test_an_ignored_sigint_stays_ignored(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    import signal
    import subprocess

    from tests.support.helpers import SACLI
    from tests.support.streaming import PacedStream

    stream = PacedStream(["first "], ["second"])
    httpserver.expect_request(CHAT).respond_with_handler(stream)
    proc = subprocess.Popen(
        [SACLI, "stream", "hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=api_env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as a shell does for `cmd &`
    )
    assert proc.stdout.read(6) == b"first "
    proc.send_signal(signal.SIGINT)
    stream.release.set()
    stdout, stderr = proc.communicate(timeout=10)
    assert (proc.returncode, stdout, stderr) == (0, b"second\n", b"")
