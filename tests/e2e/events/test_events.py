"""--events end to end: every way a run can end, through the installed sacli with real pipes and
signals. Every event of every run is checked against the schema sacli ships, and the last one, the
only ``end``, must carry the process's exit code (a run ended by a signal is 128 + its number, as a
shell sees it)."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.chat.eventschema import BATCH, EVENTS
from sacli.exitcodes import ExitCode
from tests.support.faultserver import Connection, FaultServer, Watched, api_env
from tests.support.faultserver import Request as RawRequest
from tests.support.helpers import SACLI, USAGE, answer, chunk, event, run, sse, streamed
from tests.support.schemas import batch_records, events_of, text_of

CHAT = "/api/v1/chat/completions"


def shell_code(returncode: int) -> int:
    """The exit code as a shell reports it: a process ended by signal N is 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def events(result: subprocess.CompletedProcess[bytes] | Any) -> list[dict[str, Any]]:
    return events_of(result.stdout, shell_code(result.returncode))


def kinds(found: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in found]


def test_a_reply_is_start_deltas_usage_and_end(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    answer(httpserver, sse("Hel", "lo"))
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "--events", "hi", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    found = events(result)
    assert kinds(found) == ["start", "delta", "delta", "usage", "end"]
    start, end = found[0], found[-1]
    assert start["model"] == "openrouter/auto" and start["attempt"] == 1
    assert text_of(found) == "Hello"
    assert found[3]["usage"] == USAGE
    assert end | {"t": 0, "duration_ms": 0, "first_token_ms": 0} == {
        "v": 1, "type": "end", "t": 0, "status": "ok", "exit_code": 0, "error": None, "finish_reason": "stop",
        "text_length": 5, "text_sha256": hashlib.sha256(b"Hello").hexdigest(), "usage": USAGE, "cost": None,
        "cost_estimated": False, "cached": None, "duration_ms": 0, "first_token_ms": 0, "retries": 0,
        "model": "test/model", "generation_id": "gen-test", "log_id": start["id"], "native_finish_reason": None,
        "service_tier": None,
    }  # fmt: skip
    assert 0 < end["first_token_ms"] <= end["duration_ms"]
    shown = run("logs", "show", "--json", end["log_id"], env=api_env)
    assert json.loads(shown.stdout)["reply"] == "Hello"


def test_chat_writes_the_whole_reply_as_one_delta(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {**chunk(), "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant",
         "content": "Whole."}, "finish_reason": "stop"}], "usage": USAGE}
    )  # fmt: skip
    result = run("chat", "--events", "--no-log", "hi", env=api_env)
    found = events(result)
    assert result.returncode == 0
    assert kinds(found) == ["start", "delta", "usage", "end"]
    assert found[1]["text"] == "Whole." and found[-1]["log_id"] is None


def test_each_event_is_written_the_moment_it_happens(env: dict[str, str]) -> None:
    released = threading.Event()

    def script(conn: Connection, request: RawRequest) -> None:
        conn.start()
        conn.body(event(chunk("first")))
        released.wait(20)
        conn.body(sse("second"))
        conn.end()

    with (
        FaultServer(script) as server,
        Watched.sacli("stream", "--events", "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        watched.wait_for("stdout", b'"text":"first"}\n')  # into a pipe, while the server still holds the rest
        released.set()
        result = watched.finish()
    assert text_of(events(result)) == "firstsecond"


def test_a_401_is_an_error_event_and_an_end_with_exit_3(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": {"message": "No auth", "code": 401}}, status=401)
    result = run("stream", "--events", "hi", env=api_env)
    found = events(result)
    assert result.returncode == ExitCode.AUTH
    assert kinds(found) == ["start", "error", "end"]
    assert found[1]["status"] == 401 and found[1]["exit_code"] == 3 and found[1]["retryable"] is False
    assert found[-1]["status"] == "error" and found[-1]["error"] == found[1]["message"]
    assert result.stderr.decode().startswith("sacli: error: ")  # the message still goes to stderr


def test_a_run_that_cannot_start_still_ends_with_its_exit_code(env: dict[str, str]) -> None:
    result = run("stream", "--events", "hi", env=env)  # no key
    assert result.returncode == ExitCode.AUTH
    assert kinds(events(result)) == ["error", "end"]


def test_events_and_json_together_are_exit_2(api_env: dict[str, str], httpserver: HTTPServer) -> None:
    result = run("stream", "--events", "--json", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert events(result)[-1]["error"].startswith("--events and --json cannot be used together")
    assert httpserver.log == []


def test_a_429_then_an_answer_is_a_retry_event_and_retries_1(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request)
        if len(calls) == 1:
            body = json.dumps({"error": {"message": "Rate limit exceeded", "code": 429}})
            return Response(body, status=429, headers={"Retry-After": "0"}, content_type="application/json")
        return Response(sse("ok"), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(handler)
    result = run("stream", "--events", "hi", env=api_env)
    found = events(result)
    assert result.returncode == 0
    assert kinds(found) == ["start", "retry", "delta", "usage", "end"]
    assert found[1] | {"t": 0} == {"v": 1, "type": "retry", "t": 0, "attempt": 1, "status": 429,
                                   "cause": found[1]["cause"], "wait_s": 0}  # fmt: skip
    assert "429" in found[1]["cause"]
    assert found[-1]["retries"] == 1 and found[-1]["status"] == "ok"


def test_an_error_in_the_stream_keeps_what_came(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = event(chunk("partial ")) + event({"error": {"message": "Provider returned error", "code": 502}})
    answer(httpserver, body)
    result = run("stream", "--events", "hi", env=api_env)
    found = events(result)
    assert result.returncode == ExitCode.API  # a 502 inside the stream: an API error
    assert kinds(found) == ["start", "delta", "error", "end"]
    assert found[2]["status"] == 502 and found[-1]["retries"] == 0  # after the first byte: never retried
    assert found[-1]["text_length"] == len("partial ") and found[-1]["status"] == "error"


def test_a_stream_that_ends_early_is_not_ok(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, event(chunk("cut ")))  # no finish reason, no [DONE]
    result = run("stream", "--events", "hi", env=api_env)
    found = events(result)
    assert result.returncode == ExitCode.NETWORK
    assert found[-1]["status"] == "error" and found[-1]["error"] == "stream ended early"
    assert found[-1]["finish_reason"] is None


def stalled(conn: Connection, request: RawRequest) -> None:
    conn.start()
    conn.body(event(chunk("partial ")))
    conn.hold()


@pytest.mark.parametrize("limit", [["--idle-timeout", "0.5"], ["--timeout", "2"]], ids=["idle", "overall"])
def test_a_timeout_is_status_timeout_and_exit_7(env: dict[str, str], limit: list[str]) -> None:
    with (
        FaultServer(stalled) as server,
        Watched.sacli("stream", "--events", *limit, "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        result = watched.finish()
    found = events(result)
    assert result.returncode == ExitCode.TIMEOUT
    assert found[-1]["status"] == "timeout" and text_of(found) == "partial "


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_signal_ends_the_events_with_its_code(env: dict[str, str], signum: signal.Signals, code: int) -> None:
    with (
        FaultServer(stalled) as server,
        Watched.sacli("stream", "--events", "--no-stdin", "hi", env=api_env(env, server)) as watched,
    ):
        watched.wait_for("stdout", b'"type":"delta"')
        watched.signal(signum)
        result = watched.finish()
    assert result.returncode == -signum  # sacli ends by the signal itself, so a shell sees 128 + N
    found = events(result)
    assert found[-1]["status"] == "interrupted" and found[-1]["exit_code"] == code
    assert text_of(found) == "partial "


def test_a_reply_cut_by_max_tokens_ends_ok_with_finish_length(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, sse("The begin", finish="length"))
    result = run("stream", "--events", "--max-tokens", "3", "hi", env=api_env)
    found = events(result)
    assert result.returncode == 0
    assert found[-1]["finish_reason"] == "length" and found[-1]["status"] == "ok"
    assert "token limit" in result.stderr.decode()  # the warning stays on stderr


TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def test_tool_calls_are_one_event_each_with_parsed_arguments(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))

    def fragment(index: int, arguments: str, **first: str) -> dict[str, Any]:
        call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
        if first:
            call.update(id=first["id"], type="function")
            call["function"]["name"] = first["name"]
        return {"tool_calls": [call]}

    answer(httpserver, streamed(
        {"content": "Checking."}, fragment(0, '{"city": ', id="c1", name="get_weather"), fragment(1, "not json",
        id="c2", name="get_weather"), fragment(0, '"Paris"}'), finish="tool_calls",
    ))  # fmt: skip
    result = run("stream", "--events", "--tools", "tools.json", "Weather?", env=api_env, cwd=tmp_path)
    found = events(result)
    assert result.returncode == 0
    calls = [{k: e[k] for k in ("id", "name", "arguments")} for e in found if e["type"] == "tool_call"]
    assert calls == [
        {"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
        {"id": "c2", "name": "get_weather", "arguments": "not json"},
    ]
    assert found[-1]["finish_reason"] == "tool_calls"


def test_tool_call_arguments_nested_too_deep_or_not_finite_come_as_text(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    deep, nan = "[" * 30_000 + "]" * 30_000, '{"x": NaN}'
    calls = [
        {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": deep}},
        {"index": 1, "id": "c2", "type": "function", "function": {"name": "f", "arguments": nan}},
    ]
    answer(httpserver, streamed({"tool_calls": calls}, finish="tool_calls"))
    result = run("stream", "--events", "Weather?", env=api_env)
    found = events(result)
    assert (result.returncode, found[-1]["status"], found[-1]["exit_code"]) == (0, "ok", 0), result.stderr
    shown = [e["arguments"] for e in found if e["type"] == "tool_call"]
    assert shown == [deep, nan]  # as they came, not parsed past sacli's bounds
    assert b"Traceback" not in result.stderr


def test_reasoning_is_its_own_events_and_never_on_stderr(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, streamed({"reasoning": "7 is prime. "}, {"reasoning": "So: 7."}, {"content": "Seven"}))
    result = run("stream", "--events", "--show-reasoning", "Name a prime", env=api_env)
    found = events(result)
    assert (result.returncode, result.stderr) == (0, b"")
    assert kinds(found) == ["start", "reasoning", "reasoning", "delta", "usage", "end"]
    assert [e["text"] for e in found if e["type"] == "reasoning"] == ["7 is prime. ", "So: 7."]


def test_citations_are_events_with_their_span(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    cited = {"url": "https://example.org/a", "title": "A", "start_index": 0, "end_index": 5, "content": "Paris"}
    annotations = [{"type": "url_citation", "url_citation": cited}, {"type": "file", "file": {}}]
    answer(httpserver, streamed({"content": "Paris."}, {"annotations": annotations}, {"annotations": annotations}))
    result = run("stream", "--events", "-m", "openai/gpt-4o:online", "Capital of France?", env=api_env)
    found = events(result)
    assert result.returncode == 0
    citations = [e for e in found if e["type"] == "citation"]
    assert [c | {"t": 0} for c in citations] == [
        {
            "v": 1,
            "type": "citation",
            "t": 0,
            "url": "https://example.org/a",
            "title": "A",
            "start": 0,
            "end": 5,
            "content": "Paris",
        }
    ]  # fmt: skip  (sent twice, told once; the file annotation is not a citation)


def test_a_reply_that_breaks_the_schema_ends_with_exit_9(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, sse('{"city": 1}'))
    schema = json.dumps({"type": "object", "properties": {"city": {"type": "string"}}})
    result = run("stream", "--events", "--schema", schema, "hi", env=api_env)
    found = events(result)
    assert result.returncode == ExitCode.SCHEMA
    assert kinds(found)[-2:] == ["error", "end"] and text_of(found) == '{"city": 1}'


def test_a_spending_limit_is_status_limit_and_exit_11(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(
        {"data": [{"id": "lab/priced", "pricing": {"prompt": "0", "completion": "0.001"}}]}
    )
    released = threading.Event()

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(400):
                yield event(chunk("abcd"))
            released.wait(30)

        return Response(body(), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(endless)
    result = run("stream", "--events", "--no-log", "-m", "lab/priced", "--max-cost", "0.01", "hi", env=api_env)
    released.set()
    found = events(result)
    assert result.returncode == ExitCode.SPENDING_LIMIT
    assert found[-1]["status"] == "limit" and found[-1]["cost_estimated"] is True
    assert 0.01 < found[-1]["cost"] <= 0.012


def test_a_closed_stdout_ends_by_its_exit_code(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, sse(*["word "] * 5000))
    proc = subprocess.Popen([SACLI, "stream", "--events", "hi"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=api_env)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # a reader that has seen enough: nothing more can be written, the exit code says so
    proc.stderr.read()
    assert proc.wait(30) in (-signal.SIGPIPE, ExitCode.STDOUT_CLOSED)
    assert json.loads(first)["type"] == "start"


def test_the_schemas_ship_and_are_schemas(env: dict[str, str]) -> None:
    for kind, schema in (("events", EVENTS), ("batch", BATCH)):
        result = run("schema", kind, env=env)
        assert result.returncode == 0 and json.loads(result.stdout) == schema
        Draft202012Validator.check_schema(schema)
    wrong = run("schema", "nope", env=env)
    assert (wrong.returncode, wrong.stdout) == (ExitCode.USAGE, b"")


def test_batch_records_carry_what_end_carries(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    def handler(request: Request) -> Response:
        if request.get_json()["messages"][-1]["content"] == "fail":
            return Response(json.dumps({"error": {"message": "bad request"}}), status=400, mimetype="application/json")
        return Response(sse("fine"), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(handler)
    items = b'{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": "fail"}\n'
    result = run("batch", "--no-log", env=api_env, input=items)
    assert result.returncode == ExitCode.BATCH_FAILED
    found = {record["id"]: record for record in batch_records(result.stdout)}
    assert found["a"]["status"] == "ok" and found["a"]["exit_code"] == 0 and found["a"]["model"] == "test/model"
    assert found["a"]["usage"] == USAGE and found["a"]["retries"] == 0 and found["a"]["first_token_ms"] > 0
    assert (
        found["b"]["status"] == "error" and found["b"]["exit_code"] == ExitCode.API == found["b"]["error"]["exit_code"]
    )
