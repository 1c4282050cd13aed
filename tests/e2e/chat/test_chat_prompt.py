"""The interactive prompt in a pseudo-terminal: a bracketed paste is one message, /model, /edit,
and the hint that says how to come back to a session (Ctrl-C while typing is in
test_chat_interactive.py)."""

from __future__ import annotations

import json
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import sse
from tests.support.terminal import PROMPT, Terminal

CHAT = "/api/v1/chat/completions"
SESSION_ID = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"


@pytest.fixture
def tty_env(api_env: dict[str, str]) -> dict[str, str]:
    # A terminal that takes bracketed paste, with no user inputrc.
    return {**api_env, "TERM": "xterm", "NO_COLOR": "1", "INPUTRC": "/dev/null"}


@pytest.fixture
def chat_server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.expect_request(CHAT).respond_with_data(sse("Noted."), content_type="text/event-stream")
    yield httpserver


def bodies(httpserver: HTTPServer) -> list[dict]:
    return [request.get_json() for request, _ in httpserver.log if request.path == CHAT]


def chat(terminals: list[Terminal], *args: str, env: dict[str, str], stderr_path: Path | None = None) -> Terminal:
    terminal = Terminal("chat", *args, env=env, stderr_path=str(stderr_path) if stderr_path else None)
    terminals.append(terminal)
    return terminal


def test_a_bracketed_paste_of_two_lines_is_one_message(
    chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    terminal = chat(terminals, env=tty_env)
    assert b"\x1b[?2004h" in terminal.expect(PROMPT)  # the terminal is asked to bracket pastes
    terminal.send("\x1b[200~first line\nsecond line\x1b[201~")
    terminal.expect("second line")
    assert bodies(chat_server) == []  # nothing is sent before Enter
    terminal.send("\r")
    terminal.expect("Noted.")
    terminal.leave()
    (body,) = bodies(chat_server)
    assert body["messages"] == [{"role": "user", "content": "first line\nsecond line"}]


def test_model_switches_the_model_of_the_next_turns(
    chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    terminal = chat(terminals, "-m", "first/model", env=tty_env)
    terminal.type_line("/model")
    terminal.expect("model: first/model")
    terminal.type_line("one")
    terminal.expect("Noted.")
    terminal.type_line("/model other/model")
    terminal.expect("model other/model from the next message on")
    terminal.type_line("two")
    terminal.expect("Noted.")
    terminal.leave()
    assert [body["model"] for body in bodies(chat_server)] == ["first/model", "other/model"]


def test_tab_completes_the_commands_and_the_cached_model_ids(
    chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    cache = Path(tty_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    cache.parent.mkdir(parents=True)
    models = [{"id": "openai/gpt-4o-mini"}, {"id": "anthropic/claude-sonnet-4"}]
    cache.write_text(json.dumps({"base_url": "x", "fetched_at": 0, "models": models}))
    terminal = chat(terminals, env=tty_env)
    terminal.expect(PROMPT)
    terminal.send("/mo\t")
    terminal.expect("/model ")
    terminal.send("anth\t")
    terminal.expect("anthropic/claude-sonnet-4")
    terminal.send("\r")
    terminal.expect("model anthropic/claude-sonnet-4 from the next message on")
    terminal.type_line("hello")
    terminal.expect("Noted.")
    terminal.leave()
    assert [body["model"] for body in bodies(chat_server)] == ["anthropic/claude-sonnet-4"]


def test_edit_sends_what_the_editor_wrote(
    chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Written in the editor\\nover two lines\\n" > "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    terminal = chat(terminals, env={**tty_env, "VISUAL": str(editor), "EDITOR": "false"})
    terminal.type_line("/edit")
    terminal.expect("Noted.")
    terminal.leave()
    (body,) = bodies(chat_server)
    assert body["messages"][-1] == {"role": "user", "content": "Written in the editor\nover two lines"}


@pytest.mark.parametrize(
    ("editor", "said"),
    [("false", "exited with status 1; nothing sent"), ("true", "the message is empty")],
    ids=["editor-fails", "file-left-empty"],
)
def test_edit_sends_nothing_when_the_editor_fails_or_leaves_it_empty(
    editor: str, said: str, chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    terminal = chat(terminals, env={**tty_env, "EDITOR": editor, "VISUAL": ""})
    terminal.type_line("/edit")
    terminal.expect(said)
    terminal.leave()
    assert bodies(chat_server) == []


@pytest.mark.parametrize("leave", ["/exit\r", "\x04", "\x03"], ids=["exit", "ctrl-d", "ctrl-c"])
def test_leaving_a_session_says_how_to_resume_it(
    leave: str, chat_server: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    stderr = tmp_path / "stderr.txt"
    terminal = chat(terminals, "--session", SESSION_ID, env=tty_env, stderr_path=stderr)
    terminal.expect(PROMPT)
    if leave == "\x03":
        terminal.interrupt()  # at an empty prompt: sacli ends by SIGINT
        status = terminal.wait()
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
    else:
        terminal.send(leave)
        assert terminal.exit_code() == 0
    assert stderr.read_text().splitlines()[-1] == f"sacli: resume with: sacli chat --session {SESSION_ID}"


def test_leaving_without_a_session_says_nothing_of_one(
    tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    stderr = tmp_path / "stderr.txt"
    chat(terminals, env=tty_env, stderr_path=stderr).leave()
    assert "resume with" not in stderr.read_text()


def test_help_lists_every_command(tty_env: dict[str, str], terminals: list[Terminal]) -> None:
    terminal = chat(terminals, env=tty_env)
    terminal.type_line("/help")
    shown = terminal.expect("at an empty prompt it leaves.")
    terminal.leave()
    for command in ("/exit", "/new", "/session", "/model NAME", "/system TEXT", "/edit", "/help", "//TEXT"):
        assert command.encode() in shown, command
