"""What a row holds beyond the answer: attachments described (never their bytes), a session and
its continue state, reasoning, tool calls, a text past the limit stored cut and marked, SIGTERM;
the tags from SACLI_TAG and the log moved or turned off by the config file; and the sqlite3
program reading the file."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import signal
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.api.reply import LOGGED_TEXT_LIMIT
from tests.e2e.config.test_config import write_config
from tests.support.helpers import SACLI, chunk, event, run, sse, streamed

CHAT = "/api/v1/chat/completions"
SESSIONS = "/api/v1/memory/sessions"
SESSION = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "cost": 0.00042}


@pytest.fixture
def log_env(api_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**api_env, "XDG_DATA_HOME": str(tmp_path / "data")}


def logged(env: dict[str, str]) -> list[dict[str, Any]]:
    result = run("logs", "--json", "-n", "1000", env=env)
    assert result.returncode == 0, result.stderr
    return list(reversed(json.loads(result.stdout)))  # oldest first


def png() -> bytes:
    """A real one-pixel PNG."""

    def part(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + part(b"IHDR", header) + part(b"IDAT", zlib.compress(b"\0\xff\0\0")) + part(b"IEND", b"")
    )


def test_attachments_are_described_by_name_type_size_and_hash_never_kept(
    httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("seen", usage=USAGE), content_type="text/event-stream")
    picture, document = png(), b"%PDF-1.4\n% pdf-bytes-that-must-not-be-logged\n%%EOF\n"
    (tmp_path / "pixel.png").write_bytes(picture)
    (tmp_path / "report.pdf").write_bytes(document)
    result = run(
        "stream", "--attach", "pixel.png", "--attach", "report.pdf", "what are these?", env=log_env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    (row,) = logged(log_env)
    (message,) = row["messages"]
    assert message["content"] == [
        {"type": "text", "text": "what are these?"},
        {"type": "attachment", "media_type": "image/png", "size": len(picture),
         "sha256": hashlib.sha256(picture).hexdigest(), "name": "pixel.png"},
        {"type": "attachment", "media_type": "application/pdf", "size": len(document),
         "sha256": hashlib.sha256(document).hexdigest(), "name": "report.pdf"},
    ]  # fmt: skip
    assert row["prompt"] == "what are these?"
    stored = b"".join(path.read_bytes() for path in (tmp_path / "data" / "sacli").iterdir())
    for raw in (picture, document):
        assert base64.b64encode(raw) not in stored
    assert b"pdf-bytes-that-must-not-be-logged" not in stored


def test_a_session_and_whether_it_was_continued(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=USAGE), content_type="text/event-stream")
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json(
        {"success": True, "data": {"id": SESSION, "title": "t", "createdAt": "2025-01-15T10:30:00Z"}}
    )
    assert run("chat", "--new-session", "first", env=log_env).returncode == 0
    assert run("stream", "--continue", "second", env=log_env).returncode == 0
    assert run("stream", "--session", SESSION, "third", env=log_env).returncode == 0
    assert run("stream", "fourth", env=log_env).returncode == 0
    rows = logged(log_env)
    assert [(r["prompt"], r["session_id"], r["continued"]) for r in rows] == [
        ("first", SESSION, 0),
        ("second", SESSION, 1),
        ("third", SESSION, 0),
        ("fourth", None, 0),
    ]
    assert [r["prompt"] for r in json.loads(run("logs", "--json", "--session", SESSION, env=log_env).stdout)] == [
        "third",
        "second",
        "first",
    ]


def test_reasoning_and_tool_calls(httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path) -> None:
    thinking = {"content": "", "reasoning": "Seven is prime. "}
    calls = [
        {"tool_calls": [{"index": 0, "id": "call_w", "type": "function", "function": {"name": "get_weather"}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
    ]
    httpserver.expect_ordered_request(CHAT).respond_with_data(
        streamed(thinking, {"content": "7"}, usage=USAGE), content_type="text/event-stream"
    )
    httpserver.expect_ordered_request(CHAT).respond_with_data(
        streamed({"content": "Checking."}, *calls, finish="tool_calls", usage=USAGE), content_type="text/event-stream"
    )
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    (tmp_path / "tools.json").write_text(json.dumps(tools))
    shown = run("stream", "--show-reasoning", "a prime?", env=log_env)
    assert (shown.stdout, shown.stderr) == (b"7\n", b"Seven is prime. \n")
    assert run("stream", "--tools", "tools.json", "weather?", env=log_env, cwd=tmp_path).returncode == 0
    first, second = logged(log_env)
    assert (first["reply"], first["reasoning"], first["tool_calls"]) == ("7", "Seven is prime. ", None)
    assert (second["reply"], second["finish_reason"]) == ("Checking.", "tool_calls")
    assert second["tool_calls"] == {
        "tool_calls": [{"id": "call_w", "name": "get_weather", "arguments": {"city": "Paris"}}]
    }


def test_a_prompt_or_reply_past_the_limit_is_stored_cut_and_marked(
    httpserver: HTTPServer, log_env: dict[str, str]
) -> None:
    piece = "0123456789abcdef" * 64  # 1,024 characters
    pieces = LOGGED_TEXT_LIMIT // len(piece) + 8
    httpserver.expect_ordered_request(CHAT).respond_with_data(
        sse(*[piece] * pieces, usage=USAGE), content_type="text/event-stream"
    )
    httpserver.expect_ordered_request(CHAT).respond_with_data(
        sse("short", usage=USAGE), content_type="text/event-stream"
    )
    long_reply = run("stream", "long please", env=log_env)
    assert long_reply.returncode == 0 and len(long_reply.stdout) == pieces * len(piece) + 1  # stdout has it all
    long_prompt = "word " * (LOGGED_TEXT_LIMIT // 5 + 100)
    assert run("stream", env=log_env, input=long_prompt.encode()).returncode == 0
    cut_reply, cut_prompt = logged(log_env)
    assert (cut_reply["cut"], len(cut_reply["reply"]), cut_reply["prompt"]) == (1, LOGGED_TEXT_LIMIT, "long please")
    assert cut_reply["reply"] == (piece * pieces)[:LOGGED_TEXT_LIMIT]
    assert (cut_prompt["cut"], len(cut_prompt["prompt"]), cut_prompt["reply"]) == (1, LOGGED_TEXT_LIMIT, "short")
    assert json.loads(run("logs", "--json", "-n", "1", "-q", "short", env=log_env).stdout)[0]["cut"] == 1


def test_sigterm_mid_reply_logs_what_had_arrived(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield event(chunk("so far, "))
            release.wait(30)  # held until the test has sent its signal and the process is gone
            yield sse("never")

        return Response(body(), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(slow)
    proc = subprocess.Popen([SACLI, "stream", "hi"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=log_env)
    assert proc.stdout is not None
    assert proc.stdout.read(8) == b"so far, "
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    release.set()
    (row,) = logged(log_env)
    assert proc.returncode == -signal.SIGTERM
    assert (row["status"], row["exit_code"], row["reply"]) == ("interrupted", 128 + signal.SIGTERM, "so far, ")
    assert row["error"] == "stopped by SIGTERM"


def test_tags_from_the_environment_and_the_log_set_by_the_config(
    httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=USAGE), content_type="text/event-stream")
    assert run("stream", "tagged", env={**log_env, "SACLI_TAG": "ci-job-9 step-2"}).returncode == 0
    assert logged(log_env)[0]["tags"] == ["ci-job-9", "step-2"]
    assert [r["prompt"] for r in json.loads(run("logs", "--json", "--tag", "step-2", env=log_env).stdout)] == ["tagged"]
    elsewhere = tmp_path / "elsewhere" / "exchanges.db"
    write_config(log_env, f'log_db = "{elsewhere}"\n')
    assert run("stream", "moved", env=log_env).returncode == 0
    assert run("logs", "path", env=log_env).stdout.decode() == f"{elsewhere}\n"
    assert [r["prompt"] for r in logged(log_env)] == ["moved"]
    write_config(log_env, f'log_db = "{elsewhere}"\nlog = false\n')
    assert run("stream", "not logged", env=log_env).returncode == 0
    assert [r["prompt"] for r in logged(log_env)] == ["moved"]
    assert run("stream", "--log", "asked for", env=log_env).returncode == 0  # the command line wins
    assert [r["prompt"] for r in logged(log_env)] == ["moved", "asked for"]


def test_the_sqlite3_program_reads_the_file(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    program = shutil.which("sqlite3")
    if program is None:
        pytest.skip("the sqlite3 program is not installed")
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=USAGE), content_type="text/event-stream")
    assert run("stream", "--tag", "ci", "-m", "lab/one", "hi", env=log_env).returncode == 0
    path = run("logs", "path", env=log_env).stdout.decode().strip()
    query = (
        "SELECT e.model_asked, e.cost, e.exit_code, t.tag FROM exchanges e"
        " JOIN exchange_tags t ON t.exchange_id = e.id;"
        "SELECT count(*) FROM exchanges_fts WHERE exchanges_fts MATCH 'hi';"
        "PRAGMA integrity_check;"
    )
    result = subprocess.run([program, "-readonly", path, query], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == ["lab/one|0.00042|0|ci", "1", "ok"]
