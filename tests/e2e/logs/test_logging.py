"""Every exchange is logged: stream, one-shot and interactive chat, batch; failed, retried and
interrupted ones too, with what came back and how the process ended."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, chunk, event, run, sse
from tests.support.terminal import PROMPT, Terminal

CHAT = "/api/v1/chat/completions"
USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 3,
    "total_tokens": 15,
    "cost": 0.00042,
    "prompt_tokens_details": {"cached_tokens": 4},
    "completion_tokens_details": {"reasoning_tokens": 1},
    "cost_details": {"upstream_inference_cost": 0.0004},
}


def logged(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    result = run("logs", "--json", "-n", "1000", *args, env=env)
    assert result.returncode == 0, result.stderr
    return list(reversed(json.loads(result.stdout)))  # oldest first


@pytest.fixture
def log_env(api_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**api_env, "XDG_DATA_HOME": str(tmp_path / "data")}


def answer(text: str = "hi there", usage: dict[str, Any] = USAGE) -> Response:
    return Response(sse(*text.split(" "), usage=usage), content_type="text/event-stream")


def test_a_stream_is_logged_with_what_came_back(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer("hello world"))
    result = run("stream", "-s", "be brief", "--tag", "ci", "--tag", "step-2", "say hello", env=log_env)
    assert result.returncode == 0
    (row,) = logged(log_env)
    assert row["command"] == "stream" and row["status"] == "ok" and row["exit_code"] == 0
    assert row["prompt"] == "say hello" and row["system"] == "be brief" and row["reply"] == "helloworld"
    assert row["model_asked"] == "openrouter/auto" and row["model"] == "test/model"
    assert row["generation_id"] == "gen-test" and row["host"] == "localhost"
    assert row["usage"] == USAGE and row["cost"] == 0.00042
    assert (row["prompt_tokens"], row["completion_tokens"], row["cached_tokens"], row["reasoning_tokens"]) == (
        12,
        3,
        4,
        1,
    )
    assert row["tags"] == ["ci", "step-2"] and row["retries"] == 0 and row["sacli_version"]
    assert 0 <= row["first_token_ms"] <= row["duration_ms"]
    assert row["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "say hello"}]


def test_one_shot_chat_a_retried_429_and_a_mid_stream_error(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    refused = Response(json.dumps({"error": {"message": "slow down"}}), status=429, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request(CHAT).respond_with_response(refused)
    httpserver.expect_ordered_request(CHAT).respond_with_handler(lambda request: answer("fine"))
    broken = event(chunk("partial ")) + event({"error": {"message": "upstream died", "code": 502}})
    httpserver.expect_ordered_request(CHAT).respond_with_data(broken, content_type="text/event-stream")
    assert run("chat", "first", env=log_env).returncode == 0
    assert run("stream", "second", env=log_env).returncode == ExitCode.API
    first, second = logged(log_env)
    assert first["command"] == "chat" and first["retries"] == 1 and first["retry_causes"][0].startswith("HTTP 429")
    assert (first["status"], first["exit_code"], first["usage"], first["reply"]) == ("ok", 0, USAGE, "fine")
    assert second["status"] == "error" and second["exit_code"] == ExitCode.API
    assert second["reply"] == "partial " and "upstream died" in second["error"]


def test_ctrl_c_and_a_closed_stdout_log_what_had_arrived(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        def body() -> Any:
            yield event(chunk("hello world, "))
            for _ in range(400):
                if release.wait(0.05):
                    return
                yield event(chunk("more "))

        return Response(body(), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(slow)
    proc = subprocess.Popen([SACLI, "stream", "hi"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=log_env)
    assert proc.stdout is not None
    assert proc.stdout.read(5) == b"hello"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    piped = subprocess.run(f"{SACLI} stream hi | head -c 5", shell=True, capture_output=True, env=log_env, timeout=60)
    release.set()
    assert piped.stdout == b"hello"
    interrupted, closed = logged(log_env)
    assert (interrupted["status"], interrupted["exit_code"], proc.returncode) == ("interrupted", 130, -signal.SIGINT)
    assert interrupted["reply"].startswith("hello world, ")
    assert (closed["status"], closed["exit_code"]) == ("interrupted", 141)
    assert closed["error"] == "stopped by stdout closed"


def test_each_turn_of_a_conversation_is_logged(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer("noted"))
    terminal = Terminal("chat", env=log_env)
    try:
        for line in ("one", "two", "three"):
            terminal.type_line(line)
            terminal.expect("noted")
        terminal.leave()
    finally:
        terminal.close()
    rows = logged(log_env)
    assert [(r["command"], r["prompt"], r["exit_code"]) for r in rows] == [
        ("chat", "one", 0),
        ("chat", "two", 0),
        ("chat", "three", 0),
    ]
    assert [len(r["messages"]) for r in rows] == [1, 3, 5]  # sacli keeps the conversation and sends it
    assert all(r["usage"] == USAGE and r["cost"] == USAGE["cost"] and r["reply"] == "noted" for r in rows)
    assert PROMPT


def test_every_item_of_a_batch_is_logged(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(
        lambda request: answer("re " + request.get_json()["messages"][-1]["content"])
    )
    items = b"".join(json.dumps({"id": n, "prompt": f"p{n}"}).encode() + b"\n" for n in range(20))
    result = run("batch", "-P", "8", "--tag", "nightly", env=log_env, input=items)
    assert result.returncode == 0, result.stderr
    rows = logged(log_env, "--tag", "nightly")
    assert sorted(r["prompt"] for r in rows) == sorted(f"p{n}" for n in range(20))
    assert {r["command"] for r in rows} == {"batch"} and {r["exit_code"] for r in rows} == {0}
    assert all(r["reply"] == "re" + r["prompt"] for r in rows)
    assert all(r["usage"] == USAGE and r["cost"] == USAGE["cost"] and r["model"] == "test/model" for r in rows)
    assert len({r["id"] for r in rows}) == 20


def test_sqlite3_reads_the_file_and_search_finds_a_word(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer("penguins swim fast"))
    run("stream", "birds?", env=log_env)
    path = run("logs", "path", env=log_env).stdout.decode().strip()
    assert path == str(Path(log_env["XDG_DATA_HOME"]) / "sacli" / "logs.db")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT prompt, reply FROM exchanges").fetchall() == [("birds?", "penguinsswimfast")]
    found = run("logs", "-q", "penguinsswimfast", env=log_env)
    assert found.stdout.decode().count("\n") == 1
    assert run("logs", "-q", "walruses", env=log_env).stdout == b""


def test_nothing_secret_is_in_the_file(
    httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path, refused_port: int
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer("ok"))
    base = log_env["SACLI_BASE_URL"].replace("http://", "http://alice:url-pa55word@")
    env = {**log_env, "SACLI_BASE_URL": base}
    args = ["stream", "-H", "Authorization: Bearer header-s3cret-token", "-H", "X-Api-Key: other-s3cret-key"]
    assert run(*args, f"my key is {OPENROUTER_KEY}, the other {SUPER_AGENT_KEY}", env=env).returncode == 0
    # Through a proxy with a password, one that refuses: the error and the retries' causes are logged.
    proxied = {**log_env, "HTTP_PROXY": f"http://bob:proxy-pa55word@127.0.0.1:{refused_port}", "NO_PROXY": ""}
    assert run("stream", "--retries", "1", "hi", env=proxied).returncode == ExitCode.NETWORK
    rows = logged(log_env)
    assert [r["exit_code"] for r in rows] == [0, ExitCode.NETWORK] and rows[1]["retries"] == 1
    data = (tmp_path / "data" / "sacli").iterdir()
    blob = b"".join(path.read_bytes() for path in data)
    for secret in (
        OPENROUTER_KEY,
        SUPER_AGENT_KEY,
        "url-pa55word",
        "proxy-pa55word",
        "header-s3cret-token",
        "other-s3cret-key",
    ):
        assert secret.encode() not in blob, secret


def test_no_log_and_replays(httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer("ok"))
    tape = tmp_path / "tape.jsonl"
    assert run("stream", "--no-log", "--record", str(tape), "hi", env=log_env).returncode == 0
    assert run("stream", "hi", env={**log_env, "SACLI_LOG": "0"}).returncode == 0
    assert run("stream", "--replay", str(tape), "hi", env=log_env).returncode == 0
    assert not (tmp_path / "data" / "sacli" / "logs.db").exists()
    assert run("stream", "--log", "--replay", str(tape), "hi", env=log_env).returncode == 0
    assert len(logged(log_env)) == 1


def test_eight_processes_at_once_lose_no_row(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    together = threading.Barrier(8, timeout=60)

    def at_once(request: Request) -> Response:
        together.wait()  # no reply until all eight have asked: their rows are written in the same moment
        return answer("ok")

    httpserver.expect_request(CHAT).respond_with_handler(at_once)
    procs = [
        subprocess.Popen([SACLI, "stream", f"n{n}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=log_env)
        for n in range(8)
    ]
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 8, errors
    assert errors == [b""] * 8
    rows = logged(log_env)
    assert sorted(r["prompt"] for r in rows) == [f"n{n}" for n in range(8)]
    assert len({r["id"] for r in rows}) == 8 and {r["cost"] for r in rows} == {USAGE["cost"]}
