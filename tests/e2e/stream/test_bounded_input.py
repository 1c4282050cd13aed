"""Whatever sacli parses is read within bounds: nesting, non-finite numbers, odd shapes and huge local
files each end in a clear error and its exit code, never exit 1, and in bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SACLI, chunk, completion, event, run, sse
from tests.support.peakmem import run_measured

CHAT = "/api/v1/chat/completions"
DEEP = "[" * 50_000 + "]" * 50_000  # far past Python's recursion limit, within an argument's length
NESTED = '{"a":' * 100 + "1" + "}" * 100  # past sacli's depth of 64, within Python's
MIB = 1024 * 1024


def last_line(stderr: bytes) -> str:
    lines = stderr.decode().splitlines()
    assert len(lines) >= 1 and "Traceback" not in stderr.decode()
    return lines[-1]


def stream_of(*payloads: str | bytes) -> bytes:
    return b"".join(f"data: {p if isinstance(p, str) else p.decode()}\n\n".encode() for p in payloads)


FINISH = json.dumps(chunk("", finish="stop"))


@pytest.mark.parametrize(
    ("where", "answer", "codes"),
    [
        ("error body", lambda n: Response(f'{{"error": {n}}}', status=400, content_type="application/json"), (5, 5)),
        # A deep event sacli cannot parse is an error; one it can, that says nothing of the reply, is passed over.
        ("sse event", lambda n: Response(stream_of(n, FINISH, "[DONE]"), content_type="text/event-stream"), (5, 0)),
        ("completion", lambda n: Response(f'{{"choices": {n}}}', content_type="application/json"), (5, 5)),
        # A usage nested too deep is not reported, the reply is.
        ("usage", lambda n: Response(stream_of(f'{{"choices": [], "usage": {{"x": {n}}}}}', FINISH, "[DONE]"),
                                     content_type="text/event-stream"), (5, 0)),
    ],
)  # fmt: skip
@pytest.mark.parametrize("nested", [DEEP, NESTED], ids=["deeper-than-python", "deeper-than-sacli"])
def test_deeply_nested_json_from_the_server_is_an_api_error(
    httpserver: HTTPServer, api_env: dict[str, str], nested: str, where: str, answer: object, codes: tuple[int, int]
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(lambda request: answer(nested))  # type: ignore[operator]
    result = run("stream", "--retries", "0", "--usage", "hi", env=api_env)
    code = codes[0] if nested is DEEP else codes[1]
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr
    if code:
        assert last_line(result.stderr).startswith("sacli: error: ")


@pytest.mark.parametrize("nested", [DEEP, NESTED], ids=["deeper-than-python", "deeper-than-sacli"])
def test_deeply_nested_tool_call_arguments_are_an_api_error(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, nested: str
) -> None:
    call = {"index": 0, "id": "c1", "function": {"name": "f", "arguments": nested}}
    body = stream_of(
        json.dumps(chunk(tool_calls=None) | {"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}),
        json.dumps(chunk("", finish="tool_calls")),
        "[DONE]",
    )
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": {"name": "f"}}]))
    result = run("stream", "--tools", str(tools), "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert "the arguments of tool call f (c1) are" in last_line(result.stderr)


@pytest.mark.parametrize("nested", [DEEP, NESTED], ids=["deeper-than-python", "deeper-than-sacli"])
def test_a_deeply_nested_reply_checked_against_the_schema_is_exit_9(
    httpserver: HTTPServer, api_env: dict[str, str], nested: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(nested), content_type="text/event-stream")
    result = run("stream", "--schema", '{"type": "array"}', "hi", env=api_env)
    assert result.returncode == ExitCode.SCHEMA
    assert "the reply does not match --schema: it is not JSON" in last_line(result.stderr)


@pytest.mark.parametrize("nested", [DEEP, NESTED], ids=["deeper-than-python", "deeper-than-sacli"])
@pytest.mark.parametrize("option", ["--schema", "--tools", "--param", "--replay"])
def test_deeply_nested_json_the_user_gives_is_a_usage_error_before_any_request(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, nested: str, option: str
) -> None:
    given = tmp_path / "given.json"
    given.write_text(nested + "\n")
    value = {"--schema": f"@{given}", "--tools": str(given), "--param": f"x={nested}", "--replay": str(given)}[option]
    result = run("stream", option, value, "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert "nested more than 64 deep" in last_line(result.stderr)
    assert httpserver.log == []


def test_a_deeply_nested_toml_array_in_the_config_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "config" / "sacli").mkdir(parents=True)
    (tmp_path / "config" / "sacli" / "config.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = run("stream", "hi", env=env)
    assert result.returncode == ExitCode.USAGE
    assert last_line(result.stderr).endswith("arrays or tables are nested too deep")


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--timeout", "inf"], "must be a number from 0.001 to 1000000"),
        (["--timeout", "nan"], "must be a number from 0.001 to 1000000"),
        (["--timeout", "1e300"], "must be a number from 0.001 to 1000000"),
        (["--idle-timeout", "nan"], "must be a number from 0.001 to 1000000"),
        (["--connect-timeout", "1e300"], "must be a number from 0.001 to 1000000"),
        (["--temperature", "nan"], "must be a number from 0 to 2"),
        (["--param", "x=NaN"], "NaN is not a number JSON allows"),
        (["--param", "x=1e999"], "out of bounds"),
    ],
)
def test_non_finite_or_huge_numbers_are_refused(
    httpserver: HTTPServer, api_env: dict[str, str], args: list[str], wanted: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", *args, "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert wanted in last_line(result.stderr)
    assert httpserver.log == []


def test_a_huge_timeout_in_the_config_is_refused_naming_the_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "config" / "sacli").mkdir(parents=True)
    (tmp_path / "config" / "sacli" / "config.toml").write_text("model = 'm'\ntimeout = 1e300\n")
    result = run("stream", "hi", env=env)
    assert result.returncode == ExitCode.USAGE
    assert "line 2: timeout must be a number from 0.001 to 1000000" in last_line(result.stderr)


TAPE_HEAD = {"sacli_record": 1, "method": "POST", "path": CHAT, "query": "", "request_headers": {}}
TAPE_OK = {**TAPE_HEAD, "status": 200, "reason": "OK", "headers": [["Content-Type", "text/event-stream"]]}


@pytest.mark.parametrize(
    ("line", "wanted"),
    [
        ('{"sacli_record":1,"method":"POST","path":"/x","status":200,"at":Infinity}', "not a number JSON allows"),
        (json.dumps({**TAPE_OK, "at": 1e300}), "at is not a number of milliseconds"),
        (json.dumps({**TAPE_OK, "headers": [["X-A", "café"]]}), "is not printable ASCII"),
        (json.dumps({**TAPE_OK, "end": {"error": "ReadError", "at": "soon"}}), "end.at is not a number"),
        (json.dumps({**TAPE_OK, "status": "200"}), "status is not an HTTP status"),
        (json.dumps({**TAPE_OK, "chunks": [[1, {"base64": "!!"}]]}), "not valid base64"),
        (json.dumps({**TAPE_OK, "chunks": 5}), "headers and chunks must be lists"),
    ],
)
def test_a_replay_file_line_of_the_wrong_shape_is_a_usage_error(
    env: dict[str, str], tmp_path: Path, line: str, wanted: str
) -> None:
    tape = tmp_path / "tape.jsonl"
    tape.write_text(line + "\n")
    result = run("stream", "--replay", str(tape), "hi", env=env)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert last_line(result.stderr).startswith(f"sacli: error: invalid replay file {tape} line 1: ")
    assert wanted in last_line(result.stderr)


@pytest.mark.parametrize(
    ("delta", "finish"),
    [
        ({"tool_calls": [{"index": [0], "id": "a", "function": {"name": "f", "arguments": "{}"}}]}, "tool_calls"),
        (
            {"tool_calls": [
                {"index": "x", "id": "a", "function": {"name": "f", "arguments": "{}"}},
                {"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}},
            ]},
            "tool_calls",
        ),
    ],
    ids=["index-a-list", "index-mixed"],
)  # fmt: skip
def test_tool_call_indexes_of_any_shape_give_the_calls(
    httpserver: HTTPServer, api_env: dict[str, str], delta: dict, finish: str
) -> None:
    body = stream_of(
        json.dumps({**chunk(), "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}),
        json.dumps(chunk("", finish=finish)),
        "[DONE]",
    )
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tool_calls"][0]["arguments"] == {}


@pytest.mark.parametrize("usage", ['"lots"', "[1, 2]", "7"])
def test_a_usage_that_is_not_an_object_is_not_reported(
    httpserver: HTTPServer, api_env: dict[str, str], usage: str
) -> None:
    body = sse("hi", usage=None).replace(
        b"data: [DONE]", f'data: {{"choices": [], "usage": {usage}}}\n\ndata: [DONE]'.encode()
    )
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "--usage", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"hi\n")
    assert result.stderr == b"sacli: tokens: not reported by the server\n"


def test_a_retry_field_of_thousands_of_digits_is_passed_over(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = b"retry: " + b"9" * 4300 + b"\n\n" + sse("hi")
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")


def test_a_session_whose_messages_are_a_number_shows_its_fields(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    sid = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
    httpserver.expect_request(f"/api/v1/memory/sessions/{sid}").respond_with_json({"data": {"id": sid, "messages": 7}})
    result = run("sessions", "show", sid, env=api_env)
    assert result.returncode == 0, result.stderr
    assert f"id\t{sid}\n".encode() in result.stdout


def test_facts_whose_ids_are_objects_are_listed(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    facts = [{"id": {"n": 1}, "content": "a"}, {"id": [2], "content": "b"}]
    httpserver.expect_request("/api/memory/facts").respond_with_json({"success": True, "data": facts})
    result = run("facts", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[0].startswith('{"n": 1}\ta')


@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Pacific/Kiritimati", "UTC"])
def test_times_and_sizes_out_of_any_range_are_shown(httpserver: HTTPServer, api_env: dict[str, str], tz: str) -> None:
    from tests.support.terminal import Terminal

    files = [
        {"fileId": "f1", "filename": "zero", "size": 1, "uploadedAt": "0001-01-01T00:00:00Z"},
        {"fileId": "f2", "filename": "east", "size": 10**400, "uploadedAt": "0001-01-01T00:00:00+14:00"},
        {"fileId": "f3", "filename": "huge", "size": 2, "uploadedAt": 10**400},
    ]
    httpserver.expect_request("/api/rag/files").respond_with_json({"files": files})
    terminal = Terminal("files", "list", env={**api_env, "TZ": tz}, columns=120)
    try:
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    shown = terminal.output.decode()
    assert "Traceback" not in shown and "f1" in shown and "f3" in shown


def test_a_replay_file_that_never_ends_is_refused_in_bounded_memory(env: dict[str, str], tmp_path: Path) -> None:
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        status, peak_kib = run_measured(
            [SACLI, "stream", "--replay", "/dev/zero", "hi"], env=env, stdout=stdout, stderr=stderr, timeout=60
        )
    assert status == ExitCode.USAGE, err.read_bytes()
    assert "invalid replay file /dev/zero line 1: it is larger than 48 MiB" in last_line(err.read_bytes())
    assert peak_kib / 1024 < 100, f"peak {peak_kib / 1024:.0f} MiB"


def test_a_reply_checked_against_a_schema_is_held_within_bounds(env: dict[str, str], tmp_path: Path) -> None:
    from tests.support.rawserver import Peer, RawServer, keyed

    piece = b'data: {"choices":[{"index":0,"delta":{"content":"' + b"y" * MIB + b'"}}]}\n\n'

    def handler(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        for _ in range(64):
            peer.send(piece)
        peer.send(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')

    out, err = tmp_path / "out", tmp_path / "err"
    with RawServer(handler) as server, out.open("wb") as stdout, err.open("wb") as stderr:
        status, peak_kib = run_measured(
            [SACLI, "stream", "--schema", '{"type": "string"}', "hi"],
            env=keyed(env, server.url("/api/v1")), stdout=stdout, stderr=stderr, timeout=60,
        )  # fmt: skip
    assert status == ExitCode.SCHEMA, err.read_bytes()
    assert "too large to check against --schema" in last_line(err.read_bytes())
    assert out.stat().st_size == 64 * MIB + 1  # the text stays on stdout
    assert peak_kib / 1024 < 100, f"peak {peak_kib / 1024:.0f} MiB"


@pytest.mark.parametrize(
    ("calls", "wanted"),
    [
        ([{"index": n, "id": f"c{n}", "function": {"name": "f", "arguments": "x" * MIB}} for n in range(20)], "larger"),
        ([{"index": 0, "function": {"name": "n" * 4096}}] * 20, "name is longer than 256"),
        ([{"index": n, "function": {"name": "f"}} for n in range(200)], "more than 128 tool calls"),
    ],
    ids=["arguments-in-all", "a-growing-name", "too-many-calls"],
)
def test_tool_calls_are_bounded_in_all(
    httpserver: HTTPServer, api_env: dict[str, str], calls: list, wanted: str
) -> None:
    body = (
        b"".join(
            event({**chunk(), "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]})
            for call in calls
        )
        + event(chunk("", finish="tool_calls"))
        + b"data: [DONE]\n\n"
    )
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    result = run("stream", "--retries", "0", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert wanted in last_line(result.stderr)


def test_a_completion_with_a_non_finite_number_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = json.dumps(completion("hi")).replace('"total_tokens": 15', '"total_tokens": NaN')
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="application/json")
    result = run("stream", "--no-stream", "--retries", "0", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert "NaN is not a number JSON allows" in last_line(result.stderr)
