"""--cache: a second identical request is answered from the local log (no request, the same bytes,
no cost), what is not a clean answer is never reused, and a miss asks the server's cache too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import chunk, completion, event, run, sse, streamed

CHAT = "/api/v1/chat/completions"
COSTLY = {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14, "cost": 0.25}
ANSWER = ["The answer", " is forty", "-two.\nAnd a second line."]


@pytest.fixture
def cache_env(api_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**api_env, "SACLI_LOG_DB": str(tmp_path / "logs.db")}


def asked(httpserver: HTTPServer) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == CHAT)


def rows(env: dict[str, str]) -> list[dict]:
    return json.loads(run("logs", "--json", env=env).stdout)


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_second_identical_run_asks_nothing_and_prints_the_same_bytes(
    httpserver: HTTPServer, cache_env: dict[str, str], command: str
) -> None:
    if command == "stream":
        httpserver.expect_request(CHAT).respond_with_data(sse(*ANSWER, usage=COSTLY), content_type="text/event-stream")
    else:
        httpserver.expect_request(CHAT).respond_with_json(completion("".join(ANSWER), usage=COSTLY))
    first = run(command, "--cache", "--usage", "What is it?", env=cache_env)
    second = run(command, "--cache", "--usage", "What is it?", env=cache_env)
    assert first.returncode == second.returncode == 0
    assert second.stdout == first.stdout == ("".join(ANSWER) + "\n").encode()
    assert asked(httpserver) == 1
    notice, usage = second.stderr.decode().splitlines()
    assert notice.startswith("sacli: answered from the local cache: exchange ")
    assert usage.endswith("; cost $0; answered from sacli's cache")
    latest, original = rows(cache_env)
    assert (latest["cache_status"], latest["cost"], latest["reply"]) == ("local", 0, original["reply"])
    assert latest["request_key"] == original["request_key"]
    # --no-cache asks again; so does another prompt.
    assert run(command, "--cache", "--no-cache", "What is it?", env=cache_env).returncode == 0
    assert run(command, "--cache", "What else?", env=cache_env).returncode == 0
    assert asked(httpserver) == 3


def test_json_lines_come_from_the_cache_too(httpserver: HTTPServer, cache_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(*ANSWER, usage=COSTLY), content_type="text/event-stream")
    run("stream", "--cache", "q", env=cache_env)
    result = run("stream", "--cache", "--json", "q", env=cache_env)
    chunks = [json.loads(line) for line in result.stdout.splitlines()]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert text == "".join(ANSWER) and asked(httpserver) == 1
    assert chunks[-1]["usage"]["cost"] == 0


def test_what_is_not_a_clean_answer_is_never_reused(httpserver: HTTPServer, cache_env: dict[str, str]) -> None:
    cut = event(chunk("half")) + event(chunk(None, finish="length")) + b"data: [DONE]\n\n"
    httpserver.expect_ordered_request(CHAT).respond_with_json({"error": {"message": "down"}}, status=400)
    httpserver.expect_ordered_request(CHAT).respond_with_data(cut, content_type="text/event-stream")
    httpserver.expect_ordered_request(CHAT).respond_with_data(sse("whole"), content_type="text/event-stream")
    assert run("stream", "--cache", "q", env=cache_env).returncode == ExitCode.API
    assert run("stream", "--cache", "q", env=cache_env).stdout == b"half\n"  # cut short at the token limit
    assert run("stream", "--cache", "q", env=cache_env).stdout == b"whole\n"
    assert run("stream", "--cache", "q", env=cache_env).stdout == b"whole\n"
    assert asked(httpserver) == 3


def test_tool_calls_waiting_for_their_results_are_never_reused(
    httpserver: HTTPServer, cache_env: dict[str, str], tmp_path: Path
) -> None:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "now", "arguments": "{}"}}
    httpserver.expect_request(CHAT).respond_with_data(
        streamed({"tool_calls": [call]}, finish="tool_calls"), content_type="text/event-stream"
    )
    (tmp_path / "tools.json").write_text(json.dumps([{"type": "function", "function": {"name": "now"}}]))
    for _ in range(2):
        assert run("stream", "--cache", "--tools", "tools.json", "time?", env=cache_env, cwd=tmp_path).returncode == 0
    assert asked(httpserver) == 2
    assert [row["cache_status"] for row in rows(cache_env)] == [None, None]


def test_a_temperature_above_zero_is_cached_only_when_asked_on_the_command_line(
    httpserver: HTTPServer, cache_env: dict[str, str]
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    env = {**cache_env, "SACLI_CACHE": "1"}
    for _ in range(2):
        assert run("stream", "-t", "0.7", "q", env=env).returncode == 0
    assert asked(httpserver) == 2  # the config's cache does not reuse a sampled answer
    assert run("stream", "--cache", "-t", "0.7", "q", env=env).returncode == 0
    assert asked(httpserver) == 2  # given on the command line, it does
    assert run("stream", "-t", "0", "other", env=env).returncode == 0
    assert run("stream", "-t", "0", "other", env=env).returncode == 0
    assert asked(httpserver) == 3


def test_an_answer_older_than_the_ttl_is_asked_again(httpserver: HTTPServer, cache_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    run("stream", "--cache", "q", env=cache_env)
    with sqlite3.connect(cache_env["SACLI_LOG_DB"]) as connection:
        connection.execute("UPDATE exchanges SET started_at = '2026-01-01T00:00:00.000Z'")
    assert run("stream", "--cache", "--cache-ttl", "1000w", "q", env=cache_env).returncode == 0
    assert asked(httpserver) == 1
    assert run("stream", "--cache", "q", env=cache_env).returncode == 0  # the default: 24h
    assert asked(httpserver) == 2


@pytest.mark.parametrize("status", ["HIT", "MISS"])
def test_a_miss_asks_the_server_s_cache_and_its_status_is_shown_and_logged(
    httpserver: HTTPServer, cache_env: dict[str, str], status: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(
        sse("ok", usage=COSTLY), content_type="text/event-stream", headers={"X-OpenRouter-Cache-Status": status}
    )
    result = run("stream", "--cache", "--cache-ttl", "2h", "--usage", "q", env=cache_env)
    request, _ = httpserver.log[0]
    assert (request.headers["X-OpenRouter-Cache"], request.headers["X-OpenRouter-Cache-TTL"]) == ("true", "7200")
    assert result.stderr.decode().endswith(f"; cost $0.25; cache {status}\n")
    assert rows(cache_env)[0]["cache_status"] == status
    plain = run("stream", "--usage", "q2", env=cache_env)
    assert "X-OpenRouter-Cache" not in httpserver.log[-1][0].headers  # without --cache, no cache headers
    assert rows(cache_env)[0]["cache_status"] == status and plain.returncode == 0


def test_cache_needs_the_log(api_env: dict[str, str]) -> None:
    result = run("stream", "--cache", "--no-log", "q", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert "--cache answers from the local log" in result.stderr.decode()


def test_a_batch_run_again_is_answered_from_the_cache(httpserver: HTTPServer, cache_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(*ANSWER, usage=COSTLY), content_type="text/event-stream")
    items = b"".join(json.dumps({"id": n, "prompt": f"q{n}"}).encode() + b"\n" for n in range(5))
    first = run("batch", "--cache", "--ordered", env=cache_env, input=items)
    again = run("batch", "--cache", "--ordered", env=cache_env, input=items)
    assert first.returncode == again.returncode == 0
    texts = [[json.loads(line)["text"] for line in result.stdout.splitlines()] for result in (first, again)]
    assert texts[0] == texts[1] == ["".join(ANSWER)] * 5
    assert asked(httpserver) == 5
    assert [json.loads(line)["usage"]["cost"] for line in again.stdout.splitlines()] == [0] * 5
