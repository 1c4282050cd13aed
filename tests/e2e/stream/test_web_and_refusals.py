"""Web search and what else a reply may carry besides its answer, end to end: the sources it cites
(numbered on stderr, never on stdout, in the log), the server's own tool calls (never printed as
calls to run; counted by --usage), and a refusal (on stderr; a reply that is only one is exit 12).

The annotations are OpenRouter's documented shape (Web Search, "Parsing web search results"):

    "annotations": [{"type": "url_citation", "url_citation": {"url": "https://www.example.com/web-search-result",
        "title": "Title of the web search result", "content": "Content of the web search result",
        "start_index": 100, "end_index": 200}}]
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import USAGE, answer, chunk, run, streamed
from tests.support.schemas import batch_records, events_of
from tests.support.screen import show, unfolded

CHAT = "/api/v1/chat/completions"
WIDTHS = [80, 50]
ANSWER = "Paris is the capital of France, and its largest city by far."


def cited(n: int) -> dict[str, Any]:
    return {
        "type": "url_citation",
        "url_citation": {
            "url": f"https://www.example.com/web-search-result-{n}",
            "title": f"Title of the web search result {n}",
            "content": "Content of the web search result",
            "start_index": 0,
            "end_index": 5,
        },
    }


WEB = streamed({"content": ANSWER}, {"content": "", "annotations": [cited(1), cited(2)]})


def test_the_sources_are_numbered_on_stderr_and_stdout_is_the_answer_alone(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    answer(httpserver, WEB)
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "--web", "Capital of France?", env=api_env)
    assert result.returncode == 0
    assert result.stdout == ANSWER.encode() + b"\n"
    assert result.stderr.decode().splitlines() == [
        "sacli: [1] Title of the web search result 1 <https://www.example.com/web-search-result-1>",
        "sacli: [2] Title of the web search result 2 <https://www.example.com/web-search-result-2>",
    ]
    with sqlite3.connect(api_env["SACLI_LOG_DB"]) as connection:
        (logged,) = connection.execute("SELECT citations FROM exchanges").fetchone()
    assert [c["url"] for c in json.loads(logged)] == [f"https://www.example.com/web-search-result-{n}" for n in (1, 2)]


def test_with_events_the_sources_are_citation_events(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, WEB)
    result = run("stream", "--events", "--web", "Capital of France?", env=api_env)
    found = events_of(result.stdout, result.returncode)
    assert [e["url"] for e in found if e["type"] == "citation"] == [
        "https://www.example.com/web-search-result-1",
        "https://www.example.com/web-search-result-2",
    ]
    assert result.stderr == b""  # the sources are events, not notices


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_sources_on_a_terminal(columns: int, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, WEB)
    screen = show("stream", "--web", "Capital of France?", env=api_env, columns=columns)
    lines = [line for line in screen.scrollback if line.strip()]
    assert all(len(line) <= columns for line in lines)
    first = next(n for n, line in enumerate(lines) if line.startswith("sacli: [1]"))
    assert "".join(line.rstrip() for line in lines[:first]) == ANSWER  # the terminal wrapped it, whole
    assert unfolded(lines[first:], columns) == (
        "sacli: [1] Title of the web search result 1 <https://www.example.com/web-search-result-1> "
        "sacli: [2] Title of the web search result 2 <https://www.example.com/web-search-result-2>"
    )


def test_a_server_tool_call_is_never_printed_and_its_searches_are_counted(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    call = {"name": "web_search", "arguments": '{"query": "capital of France"}'}
    search = {"tool_calls": [{"index": 0, "id": "srv_1", "type": "openrouter:web_search", "function": call}]}
    usage = {**USAGE, "server_tool_use_details": {"web_search_requests": 2}}
    answer(httpserver, streamed(search, {"content": ANSWER}, usage=usage))
    result = run("stream", "--web", "--usage", "Capital of France?", env=api_env)
    assert result.returncode == 0
    assert result.stdout == ANSWER.encode() + b"\n"  # no tool-call line
    assert "; web searches 2" in result.stderr.decode()


def test_a_server_tool_call_is_no_tool_call_event_nor_a_call_to_run_beside_the_users_tools(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    call = {"name": "web_search", "arguments": '{"query": "capital of France"}'}
    search = {"tool_calls": [{"index": 0, "id": "srv_1", "type": "openrouter:web_search", "function": call}]}
    answer(httpserver, streamed(search, {"content": ANSWER}))
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]))
    result = run("stream", "--events", "--web", "Capital of France?", env=api_env)
    found = events_of(result.stdout, result.returncode)
    assert result.returncode == 0 and "tool_call" not in [e["type"] for e in found]
    with_tools = run("stream", "--web", "--tools", str(tools), "Capital of France?", env=api_env)
    assert (with_tools.returncode, with_tools.stdout) == (0, ANSWER.encode() + b"\n")  # nothing to run
    batch = run("batch", "--no-log", "--web", env=api_env, input=b'{"id": "x", "prompt": "Capital?"}\n')
    (record,) = batch_records(batch.stdout)
    assert record["text"] == ANSWER and "tool_calls" not in record


def test_a_reply_that_is_only_a_refusal_is_exit_12(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, streamed({"refusal": "I can't help "}, {"refusal": "with that."}))
    result = run("stream", "Something forbidden", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.REFUSED, b"")
    assert result.stderr.decode() == "sacli: error: the model refused: I can't help with that.\n"


def test_a_refusal_beside_an_answer_is_a_warning(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, streamed({"content": "Partly: "}, {"refusal": "not the rest."}))
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"Partly: \n")
    assert result.stderr.decode() == "sacli: warning: the model also refused: not the rest.\n"


def test_a_refusal_in_events_and_batch(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, streamed({"refusal": "No."}))
    result = run("stream", "--events", "hi", env=api_env)
    found = events_of(result.stdout, result.returncode)
    assert result.returncode == ExitCode.REFUSED
    assert [e["text"] for e in found if e["type"] == "refusal"] == ["No."]
    batch = run("batch", "--no-log", env=api_env, input=b'{"id": "x", "prompt": "hi"}\n')
    (record,) = batch_records(batch.stdout)
    assert (record["exit_code"], record["refusal"], record["status"]) == (ExitCode.REFUSED, "No.", "error")


def test_a_completion_s_refusal_and_native_finish_reason(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = {**chunk(), "object": "chat.completion", "service_tier": "flex", "choices": [{"index": 0,
            "message": {"role": "assistant", "content": None, "refusal": "I won't."}, "finish_reason": "stop",
            "native_finish_reason": "refusal"}], "usage": USAGE}  # fmt: skip
    httpserver.expect_request(CHAT).respond_with_json(body)
    result = run("chat", "--events", "hi", env=api_env)
    end = events_of(result.stdout, result.returncode)[-1]
    assert result.returncode == ExitCode.REFUSED
    assert (end["native_finish_reason"], end["service_tier"]) == ("refusal", "flex")
