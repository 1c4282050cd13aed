"""--markdown in a pseudo-terminal of a set size: rendered while it streams, at most about ten
renders a second, escape-safe, and changing nothing at all in a pipe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.term.markdown import RENDER_START
from tests.e2e.config.test_config import write_config
from tests.support.helpers import chunk, event, run, sse
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"
REPLY = ["# Release ", "notes\n\nThis is **very", " important** and `code`.\n\n", "- one\n- two\n"]
COLOUR = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|4[0-7])(?:;[0-9;]*)?m")


def on_terminal(*args: str, env: dict[str, str], columns: int = 80, rows: int = 50) -> bytes:
    terminal = Terminal(*args, env=env, columns=columns, rows=rows)
    try:
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    return terminal.output


@pytest.fixture
def md_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm-256color"}


def serve(httpserver: HTTPServer, pieces: list[str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse(*pieces), content_type="text/event-stream")


def test_markdown_is_rendered_on_a_terminal(httpserver: HTTPServer, md_env: dict[str, str]) -> None:
    serve(httpserver, REPLY)
    shown = on_terminal("stream", "--markdown", "notes?", env=md_env)
    final = shown.split(RENDER_START.encode())[-1]  # the last render: the whole reply
    assert b"**" not in final and b"# Release" not in final and b"`code`" not in final
    assert re.search(rb"\x1b\[1(;[0-9]+)*m\s*very important", final)  # bold
    assert re.search(rb"\x1b\[[0-9;]*1[;0-9]*mRelease notes", final)  # the heading, styled
    assert "•".encode() in final  # the list's bullets


def test_in_a_pipe_it_changes_nothing(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    serve(httpserver, REPLY)
    piped = run("stream", "--markdown", "notes?", env=api_env)
    assert (piped.returncode, piped.stdout) == (0, "".join(REPLY).encode())  # byte for byte
    chat = run("chat", "--markdown", "notes?", env=api_env)
    assert chat.stdout == "".join(REPLY).encode()


def test_no_color_keeps_the_layout_without_colour(httpserver: HTTPServer, md_env: dict[str, str]) -> None:
    serve(httpserver, REPLY)
    shown = on_terminal("stream", "--markdown", "notes?", env={**md_env, "NO_COLOR": "1"})
    final = shown.split(RENDER_START.encode())[-1]
    assert b"Release notes" in final and "•".encode() in final and b"**" not in final
    assert not COLOUR.search(final)


def test_it_fits_the_terminal_width(httpserver: HTTPServer, md_env: dict[str, str]) -> None:
    serve(httpserver, ["word " * 60 + "\n"])
    shown = on_terminal("stream", "--markdown", "long", env=md_env, columns=40)
    final = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown.split(RENDER_START.encode())[-1]).decode()
    lines = [line for line in final.replace("\r", "").split("\n") if line.strip()]
    assert len(lines) >= 7 and all(len(line) < 40 for line in lines)


def test_the_models_escape_sequences_cannot_reach_the_terminal(httpserver: HTTPServer, md_env: dict[str, str]) -> None:
    serve(httpserver, ["**Hi** \x1b]0;pwned\x07 and \x1b[2J\n"])
    shown = on_terminal("stream", "--markdown", "x", env=md_env)
    assert b"\x1b]0;" not in shown and b"\x1b[2J" not in shown and b"\x07" not in shown
    assert b"\\e]0;pwned\\x07" in shown and b"\\e[2J" in shown


def test_a_reply_taller_than_the_window_streams_its_last_lines_and_ends_whole(
    md_env: dict[str, str], tmp_path: Path
) -> None:
    tape = tmp_path / "tall.jsonl"
    paced_record(tape, deltas=120, rate=200, item="- item{n}\n")
    shown = on_terminal("stream", "--markdown", "--replay", str(tape), "go", env=md_env, rows=20)
    *live, final = shown.split(RENDER_START.encode())
    assert len(live) > 3  # rendered while it streamed
    for render in live[1:]:
        assert render.count(b"\n") <= 18, render  # the window's height less one, the live area's top line included
    last_live = [int(n) for n in re.findall(rb"item(\d+)\b", live[-1])]
    assert 0 < len(last_live) <= 19 and min(last_live) > 0  # the last lines so far, the first gone by
    assert [int(n) for n in re.findall(rb"item(\d+)\b", final)] == list(range(120))  # then all of it


def test_the_tool_calls_line_is_shown_as_it_is(httpserver: HTTPServer, md_env: dict[str, str], tmp_path: Path) -> None:
    tools = [{"type": "function", "function": {"name": "find_file", "parameters": {"type": "object"}}}]
    (tmp_path / "tools.json").write_text(json.dumps(tools))
    arguments = json.dumps({"pattern": "**/my_file_*.md", "note": 'say "hi"\\n'})
    call = {"index": 0, "id": "c1", "type": "function", "function": {"name": "find_file", "arguments": arguments}}
    httpserver.expect_request(CHAT).respond_with_data(
        event(chunk("Looking **now**.")) + event({"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
        + event(chunk("", finish="tool_calls")) + b"data: [DONE]\n\n",
        content_type="text/event-stream",
    )  # fmt: skip
    shown = on_terminal("stream", "--markdown", "--tools", str(tmp_path / "tools.json"), "find", env=md_env)
    expected = json.dumps(
        {"tool_calls": [{"id": "c1", "name": "find_file", "arguments": json.loads(arguments)}]},
        ensure_ascii=False, separators=(",", ":"),
    )  # fmt: skip
    assert expected.encode() + b"\r\n" in shown  # byte for byte, not read as Markdown
    assert b"**now**" not in shown  # while the reply itself was


def paced_record(path: Path, deltas: int, rate: float, item: str = "") -> None:
    """A recording of a reply of ``deltas`` pieces, one every 1/``rate`` s (replayed at that pace).

    Each piece is ``item`` with its number, or by default a word, with a blank line after every 20th.
    """
    pieces = [event(chunk(role="assistant", content=""))]
    texts = [item.format(n=n) if item else f"word{n} " + ("\n\n" if n % 20 == 19 else "") for n in range(deltas)]
    pieces += [event(chunk(text)) for text in texts]
    pieces.append(event(chunk("", finish="stop")) + b"data: [DONE]\n\n")
    record = {
        "sacli_record": 1, "method": "POST", "path": CHAT, "query": "", "request_headers": {}, "request_body": None,
        "status": 200, "reason": "OK", "headers": [["Content-Type", "text/event-stream"]], "at": 1.0,
        "chunks": [[10 + n * 1000 / rate, piece.decode()] for n, piece in enumerate(pieces)], "end": "eof",
    }  # fmt: skip
    path.write_text(json.dumps(record) + "\n")


def test_a_200_delta_reply_at_50_per_second_is_rendered_at_most_about_ten_times_a_second(
    md_env: dict[str, str], tmp_path: Path
) -> None:
    tape = tmp_path / "paced.jsonl"
    paced_record(tape, deltas=200, rate=50)  # four seconds of reply
    shown = on_terminal("stream", "--markdown", "--replay", str(tape), "go", env=md_env)
    renders = shown.count(RENDER_START.encode())
    assert 5 <= renders <= 45, renders  # live while it streams, and about ten a second at most (4 s)
    assert b"word199" in shown.split(RENDER_START.encode())[-1]


def test_the_config_file_turns_it_on_and_the_flag_off(httpserver: HTTPServer, md_env: dict[str, str]) -> None:
    serve(httpserver, REPLY)
    write_config(md_env, "markdown = true\n")
    assert RENDER_START.encode() in on_terminal("stream", "notes?", env=md_env)
    assert RENDER_START.encode() not in on_terminal("stream", "--no-markdown", "notes?", env=md_env)


def test_interactive_chat_renders_each_reply(
    httpserver: HTTPServer, md_env: dict[str, str], terminals: list[Terminal]
) -> None:
    serve(httpserver, REPLY)
    chat = Terminal("chat", "--markdown", env={**md_env, "INPUTRC": "/dev/null"})
    terminals.append(chat)
    chat.type_line("notes?")
    chat.expect("Release notes")
    chat.leave()
    assert b"**very" not in chat.output
