"""Structured output, reasoning, tool calls, attachments and cost, end to end.

A local server streams each case the way OpenRouter does (reasoning deltas before the content,
tool-call fragments split across chunks, a usage chunk with cost and token details); the tests
read the request body the server received, stdout (the answer, never the reasoning), stderr
and the exit code of the installed sacli.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import chunk, completion, event, run, sse

CHAT = "/api/v1/chat/completions"
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
]


def streamed(*deltas: dict, finish: str = "stop", usage: dict | None = None) -> bytes:
    """An OpenRouter-style stream of chunks with these deltas, a finish chunk, usage and [DONE]."""
    parts = [b": OPENROUTER PROCESSING\n\n"]
    for delta in deltas:
        parts.append(event({**chunk(), "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}))
    parts.append(event(chunk("", finish=finish)))
    if usage is not None:
        parts.append(event({**chunk(), "choices": [], "usage": usage}))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def body_sent(server: HTTPServer) -> dict:
    (request, _), *_ = server.log
    return request.get_json()


def reply_with(server: HTTPServer, body: bytes) -> None:
    server.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")


# --- --schema ---------------------------------------------------------------------------------------


def test_a_reply_that_matches_the_schema_streams_and_exits_0(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "city.json").write_text(json.dumps(SCHEMA))
    reply_with(httpserver, sse('{"city": "Par', 'is", "population": ', "2100000}"))
    result = run("stream", "--schema", "@city.json", "The capital of France?", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == {"city": "Paris", "population": 2100000}
    assert body_sent(httpserver)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "sacli", "strict": True, "schema": SCHEMA},
    }


@pytest.mark.parametrize(
    ("pieces", "message"),
    [
        (['{"city": "Paris", ', '"population": "many"}'], "at $.population: 'many' is not of type 'integer'"),
        (['{"city": "Paris"}'], "at $: 'population' is a required property"),
        (["Paris, about two million."], "it is not JSON (Expecting value: line 1 column 1 (char 0))"),
    ],
    ids=["wrong-type", "missing-key", "not-json"],
)
@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_reply_that_breaks_the_schema_is_exit_9_naming_the_first_violation(
    httpserver: HTTPServer, api_env: dict[str, str], pieces: list[str], message: str, command: str
) -> None:
    if command == "stream":
        reply_with(httpserver, sse(*pieces))
    else:
        httpserver.expect_request(CHAT).respond_with_json(completion("".join(pieces)))
    result = run(command, "--schema", json.dumps(SCHEMA), "The capital of France?", env=api_env)
    assert result.returncode == ExitCode.SCHEMA
    assert result.stdout == "".join(pieces).encode() + b"\n"  # the text was written as it came
    assert result.stderr.decode() == f"sacli: error: the reply does not match --schema: {message}\n"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{not json", "--schema is not valid JSON"),
        ('["a", "list"]', "--schema must be a JSON Schema object"),
        ('{"type": "integer", "minimum": "zero"}', "--schema is not a valid JSON Schema: at $.minimum:"),
        ("@missing.json", "--schema: cannot read missing.json: No such file or directory"),
    ],
)
def test_a_schema_that_is_not_one_is_exit_2_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, schema: str, message: str
) -> None:
    result = run("stream", "--schema", schema, "hi", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(f"sacli: error: {message}")
    assert httpserver.log == []


# --- Reasoning --------------------------------------------------------------------------------------


def thought(text: str) -> dict:
    """A reasoning delta as OpenRouter sends it: the text twice, plain and as a reasoning detail."""
    return {"content": "", "reasoning": text, "reasoning_details": [{"type": "reasoning.text", "text": text}]}


THINKING = [thought("The user wants a prime. "), thought("7 is prime."), {"content": "Seven"}, {"content": "."}]


def test_reasoning_never_reaches_stdout(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(httpserver, streamed(*THINKING))
    result = run("stream", "--reasoning", "high", "Name a prime", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"Seven.\n"
    assert result.stderr == b""
    assert body_sent(httpserver)["reasoning"] == {"effort": "high"}


def test_show_reasoning_writes_it_to_stderr_ended_by_a_newline(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(httpserver, streamed(*THINKING))
    result = run("stream", "--reasoning-tokens", "2000", "--show-reasoning", "Name a prime", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"Seven.\n"
    assert result.stderr == b"The user wants a prime. 7 is prime.\n"  # plain off a terminal, each piece once
    assert body_sent(httpserver)["reasoning"] == {"max_tokens": 2000}


def test_reasoning_details_alone_are_shown_too(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(
        httpserver,
        streamed({"reasoning_details": [{"type": "reasoning.summary", "summary": "Checked 7."}]}, {"content": "7"}),
    )
    result = run("stream", "--show-reasoning", "Name a prime", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"7\n", b"Checked 7.\n")


def test_json_passes_the_raw_chunks_reasoning_included(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(httpserver, streamed(*THINKING))
    result = run("stream", "--json", "--show-reasoning", "Name a prime", env=api_env)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["choices"][0]["delta"]["reasoning"] == "The user wants a prime. "
    assert result.stderr == b""


def test_reasoning_and_reasoning_tokens_together_are_a_usage_error(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("stream", "--reasoning", "low", "--reasoning-tokens", "10", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert httpserver.log == []


# --- Tool calls -------------------------------------------------------------------------------------


def call(index: int, arguments: str, *, call_id: str | None = None, name: str | None = None) -> dict:
    """A delta carrying one fragment of tool call ``index``; its first fragment has the id and the name."""
    fragment: dict = {"index": index, "function": {"arguments": arguments}}
    if call_id is not None:
        fragment.update(id=call_id, type="function")
        fragment["function"]["name"] = name
    return {"tool_calls": [fragment]}


def fragments() -> list[dict]:
    """Two calls, by index, their arguments split over several chunks, interleaved."""
    return [
        call(0, "", call_id="call_w", name="get_weather"),
        call(0, '{"ci'),
        call(1, "{", call_id="call_t", name="get_time"),
        call(0, 'ty": "Par'),
        call(1, "}"),
        call(0, 'is"}'),
    ]


def test_tool_calls_come_out_as_one_json_line_after_the_text(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))
    reply_with(httpserver, streamed({"content": "Let me check."}, *fragments(), finish="tool_calls"))
    result = run("stream", "--tools", "tools.json", "--tool-choice", "auto", "Weather?", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    text, line = result.stdout.decode().splitlines()
    assert text == "Let me check."
    assert json.loads(line) == {
        "tool_calls": [
            {"id": "call_w", "name": "get_weather", "arguments": {"city": "Paris"}},
            {"id": "call_t", "name": "get_time", "arguments": {}},
        ]
    }
    sent = body_sent(httpserver)
    assert sent["tools"] == TOOLS and sent["tool_choice"] == "auto"


def test_a_tool_name_as_the_choice_names_that_function(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))
    reply_with(httpserver, streamed(*fragments()[:2], call(0, "}")))
    result = run("chat", "--tools", "tools.json", "--tool-choice", "get_weather", "Weather?", env=api_env, cwd=tmp_path)
    assert body_sent(httpserver)["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert result.returncode == ExitCode.API  # '{"ci}' is not JSON
    assert result.stderr.decode() == (
        'sacli: error: the arguments of tool call get_weather (call_w) are not valid JSON: {"ci}\n'
    )


def test_a_completion_with_tool_calls_comes_out_the_same(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}],
    }
    reply = completion("")
    reply["choices"][0].update(message=message, finish_reason="tool_calls")
    httpserver.expect_request(CHAT).respond_with_json(reply)
    result = run("chat", "--tools", "tools.json", "What time is it?", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == {"tool_calls": [{"id": "c1", "name": "get_time", "arguments": {}}]}


def test_a_tool_result_goes_back_as_the_given_conversation(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(httpserver, sse("It is sunny in Paris."))
    asked = {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
    conversation = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [asked]},
        {"role": "tool", "tool_call_id": "call_w", "content": '{"sky": "sunny"}'},
    ]
    result = run("stream", "-p", f"messages={json.dumps(conversation)}", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout == b"It is sunny in Paris.\n"
    assert body_sent(httpserver)["messages"] == conversation


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ("[]", "must hold a JSON array of tool definitions"),
        ('[{"type": "function"}]', "tool 0 in tools.json is not"),
        ('[{"type": "function", "function": {}}]', "tool 0 in tools.json has no function name"),
        ("{", "tools.json is not valid JSON"),
    ],
)
def test_bad_tools_are_exit_2_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, tools: str, message: str
) -> None:
    (tmp_path / "tools.json").write_text(tools)
    result = run("stream", "--tools", "tools.json", "hi", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert message in result.stderr.decode()
    assert httpserver.log == []


def test_a_tool_choice_that_names_no_tool_is_exit_2(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))
    result = run("stream", "--tools", "tools.json", "--tool-choice", "get_news", "hi", env=api_env, cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "tools: get_weather, get_time" in result.stderr.decode()
    assert httpserver.log == []


@pytest.mark.parametrize("choice", ["auto", "none", "required", "get_weather"])
@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_tool_choice_without_tools_is_exit_2_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], command: str, choice: str
) -> None:
    result = run(command, "--tool-choice", choice, "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode() == (
        f"sacli: error: --tool-choice {choice} needs tools to choose from (give them with --tools FILE)\n"
    )
    assert httpserver.log == []


def test_a_tool_choice_with_tools_given_as_a_param_is_sent(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", "-p", f"tools={json.dumps(TOOLS)}", "--tool-choice", "required", "hi", env=api_env)
    assert result.returncode == 0, result.stderr
    sent = body_sent(httpserver)
    assert (sent["tools"], sent["tool_choice"]) == (TOOLS, "required")


# --- Attachments ------------------------------------------------------------------------------------


def png_1x1() -> bytes:
    """A real PNG: one red pixel."""

    def part(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + part(b"IHDR", header) + part(b"IDAT", pixels) + part(b"IEND", b"")


def pdf_one_page() -> bytes:
    """A real PDF of one empty page, with its cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_attachments_become_content_parts_after_the_prompt(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    png, pdf = png_1x1(), pdf_one_page()
    (tmp_path / "dot.data").write_bytes(png)  # the kind comes from the bytes, not the name
    (tmp_path / "report.pdf").write_bytes(pdf)
    (tmp_path / "notes.md").write_text("# Notes\nship it\n")
    reply_with(httpserver, sse("Seen."))
    result = run(
        "stream", "-a", "dot.data", "-a", "report.pdf", "-a", "notes.md", "-a", "https://example.com/cat.jpg",
        "Describe these", env=api_env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    (message,) = body_sent(httpserver)["messages"]
    assert message["role"] == "user"
    assert message["content"] == [
        {"type": "text", "text": "Describe these"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()}},
        {
            "type": "file",
            "file": {
                "filename": "report.pdf",
                "file_data": "data:application/pdf;base64," + base64.b64encode(pdf).decode(),
            },
        },
        {"type": "text", "text": "notes.md:\n\n# Notes\nship it\n"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_an_attachment_alone_is_a_message_with_no_text_part(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, command: str
) -> None:
    png = png_1x1()
    (tmp_path / "img.png").write_bytes(png)
    reply_with(httpserver, sse("A red dot."))  # one-shot chat holds a streamed reply until it is whole
    result = run(command, "-a", "img.png", "--no-stdin", env=api_env, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (ExitCode.OK, b"A red dot.\n"), result.stderr
    (message,) = body_sent(httpserver)["messages"]
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert message == {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


def test_an_attachment_from_stdin_is_not_the_prompt(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    reply_with(httpserver, sse("A dot."))
    result = run("stream", "-a", "-", "What is this?", env=api_env, input=png_1x1())
    assert result.returncode == ExitCode.OK, result.stderr
    content = body_sent(httpserver)["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


@pytest.mark.parametrize("case", ["too-large", "unreadable", "unknown-binary", "directory"])
def test_an_attachment_that_cannot_be_sent_is_exit_2_naming_it_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, case: str
) -> None:
    target = tmp_path / "thing.bin"
    if case == "too-large":
        with target.open("wb") as file:
            file.truncate(20 * 1024 * 1024 + 1)
        message = "thing.bin: 20971521 bytes is over the 20 MiB limit"
    elif case == "unreadable":
        target = tmp_path / "missing.png"
        message = "missing.png: no such file or directory"
    elif case == "unknown-binary":
        target.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
        message = "thing.bin: not an image (PNG, JPEG, GIF, WebP), a PDF or UTF-8 text"
    else:
        target = tmp_path
        message = f"{tmp_path}: not a regular file"
    result = run("stream", "--attach", str(target), "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert message in result.stderr.decode()
    assert httpserver.log == []


# --- Usage and cost ---------------------------------------------------------------------------------


def test_usage_shows_cached_and_reasoning_tokens_and_the_cost(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    usage = {
        "prompt_tokens": 20,
        "completion_tokens": 100,
        "total_tokens": 120,
        "prompt_tokens_details": {"cached_tokens": 3},
        "completion_tokens_details": {"reasoning_tokens": 40},
        "cost": 0.00042,
    }
    reply_with(httpserver, streamed({"content": "ok"}, usage=usage))
    result = run("stream", "--usage", "hi", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stderr == (
        b"sacli: tokens: prompt 20 (3 cached), completion 100 (40 reasoning), total 120; cost $0.00042\n"
    )
    assert body_sent(httpserver)["usage"] == {"include": True}  # usage accounting asked for
