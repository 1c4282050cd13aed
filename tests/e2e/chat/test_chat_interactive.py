"""Interactive sacli chat in a real pseudo-terminal: turns, history, sessions, Ctrl-C, leaving."""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.helpers import AUTH_HINT, OPENROUTER_KEY, chunk, event, sse
from tests.support.rawserver import Peer, RawServer, keyed
from tests.support.terminal import PROMPT, Terminal

CHAT = "/api/v1/chat/completions"
SESSIONS = "/api/v1/memory/sessions"
SESSION_ID = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"


@pytest.fixture
def tty_env(api_env: dict[str, str]) -> dict[str, str]:
    # A fixed, plain terminal: no spinner, no bracketed paste, no user inputrc.
    return {**api_env, "TERM": "dumb", "NO_COLOR": "1", "INPUTRC": "/dev/null"}


def start(terminals: list[Terminal], *args: str, env: dict[str, str], stderr_path: str | None = None) -> Terminal:
    terminal = Terminal("chat", *args, env=env, stderr_path=stderr_path)
    terminals.append(terminal)
    return terminal


def replies(httpserver: HTTPServer, *texts: str) -> None:
    for text in texts:
        httpserver.expect_ordered_request(CHAT, method="POST").respond_with_data(
            sse(text), content_type="text/event-stream"
        )


def sent_messages(httpserver: HTTPServer) -> list[list[dict[str, str]]]:
    return [request.get_json()["messages"] for request, _ in httpserver.log if request.path == CHAT]


def test_second_turn_carries_the_first_without_a_session(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    replies(httpserver, "Paris.", "About 2.1 million.")
    chat = start(terminals, env=tty_env)
    chat.type_line("Capital of France?")
    chat.expect("Paris.\r\n")
    chat.type_line("Population?")
    chat.expect("About 2.1 million.\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    first, second = (request.get_json() for request, _ in httpserver.log)
    assert first["stream"] is True and "sessionId" not in first
    assert second["messages"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "Population?"},
    ]


def test_with_a_session_each_turn_sends_only_itself(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    replies(httpserver, "one", "two")
    chat = start(terminals, "--session", SESSION_ID, "-s", "be brief", env=tty_env)
    chat.type_line("first")
    chat.expect("one\r\n")
    chat.type_line("second")
    chat.expect("two\r\n")
    chat.type_line("/session")
    chat.expect(f"session: {SESSION_ID}\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    bodies = [request.get_json() for request, _ in httpserver.log]
    assert [body["sessionId"] for body in bodies] == [SESSION_ID, SESSION_ID]
    assert bodies[1]["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "second"}]


@pytest.mark.parametrize(
    ("args", "term", "next_reply"),
    [((), "dumb", "fine\r\n"), (("--markdown",), "xterm", "fine ")],  # a rendered line is padded to the width
    ids=["plain", "markdown"],
)
def test_ctrl_c_mid_reply_stops_it_and_leaves_it_out_of_the_conversation(
    args: tuple[str, ...],
    term: str,
    next_reply: str,
    httpserver: HTTPServer,
    tty_env: dict[str, str],
    terminals: list[Terminal],
) -> None:
    release = threading.Event()
    disconnected = threading.Event()

    def held_open(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            try:
                yield event(chunk("partial answer", role="assistant"))
                while not release.is_set():  # keep-alives: a write fails once sacli has hung up
                    yield b": keep-alive\n\n"
                    release.wait(0.05)
                yield event(chunk(" and the rest", finish="stop")) + b"data: [DONE]\n\n"
            finally:
                disconnected.set()

        return Response(body(), mimetype="text/event-stream")

    httpserver.expect_ordered_request(CHAT).respond_with_handler(held_open)
    replies(httpserver, "fine")
    try:
        # Markdown is rendered only on a terminal that can be redrawn.
        chat = start(terminals, *args, env={**tty_env, "TERM": term})
        chat.type_line("tell me everything")
        chat.expect("partial answer")
        chat.interrupt()
        chat.expect("sacli: reply stopped\r\n")
        assert disconnected.wait(10), "sacli did not close the connection"
        chat.type_line("something else")
        chat.expect(next_reply)
        chat.type_line("/exit")
        assert chat.exit_code() == 0
    finally:
        release.set()
    assert b"and the rest" not in chat.output
    before_stop = chat.output.split(b"sacli: reply stopped")[0]
    assert b"partial answer" in before_stop.split(b"\x1b[?25l")[-1]  # the partial reply stays on screen
    assert sent_messages(httpserver)[1] == [{"role": "user", "content": "something else"}]


def test_ctrl_c_at_an_empty_prompt_ends_sacli_by_sigint(tty_env: dict[str, str], terminals: list[Terminal]) -> None:
    chat = start(terminals, env=tty_env)
    chat.expect(PROMPT)
    chat.interrupt()
    status = chat.wait()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT


def test_ctrl_c_while_typing_discards_the_line_and_shows_it(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    chat = start(terminals, env=tty_env)
    chat.expect(PROMPT)
    chat.send("never sent")
    chat.expect("never sent")
    chat.interrupt()
    assert chat.expect("^C").endswith(b"> never sent^C")  # marked after what was typed
    chat.expect(PROMPT)  # and a fresh prompt
    chat.send("/exit\r")
    assert chat.exit_code() == 0
    assert httpserver.log == []


@pytest.mark.parametrize("leave", ["/exit\r", "/quit\r", "\x04"], ids=["exit", "quit", "ctrl-d"])
def test_exit_and_ctrl_d_end_with_0(tty_env: dict[str, str], terminals: list[Terminal], leave: str) -> None:
    chat = start(terminals, env=tty_env)
    chat.expect(PROMPT)
    chat.send(leave)
    assert chat.exit_code() == 0


def test_new_starts_a_fresh_conversation(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    replies(httpserver, "A", "B", "C")
    chat = start(terminals, env=tty_env)
    chat.type_line("one")
    chat.expect("A\r\n")
    chat.type_line("two")
    chat.expect("B\r\n")
    chat.type_line("/new")
    chat.expect("sacli: new conversation\r\n")
    chat.type_line("three")
    chat.expect("C\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    assert sent_messages(httpserver)[2] == [{"role": "user", "content": "three"}]


def test_system_sets_the_system_prompt_for_later_turns(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    replies(httpserver, "A", "B")
    chat = start(terminals, env=tty_env)
    chat.type_line("one")
    chat.expect("A\r\n")
    chat.type_line("/system answer in French")
    chat.expect("sacli: system prompt set\r\n")
    chat.type_line("//etc/hosts is what?")
    chat.expect("B\r\n")
    chat.type_line("/system")
    chat.expect("system prompt: answer in French\r\n")
    chat.type_line("/nonsense")
    chat.expect("sacli: error: unknown command /nonsense (/help lists the commands)\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    assert sent_messages(httpserver)[1] == [
        {"role": "system", "content": "answer in French"},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "A"},
        {"role": "user", "content": "/etc/hosts is what?"},
    ]


def test_new_session_creates_a_session_and_uses_its_id(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    other = "1f0e2d3c-4b5a-4968-8776-655443322110"
    httpserver.expect_ordered_request(SESSIONS, method="POST").respond_with_json({"data": {"id": SESSION_ID}})
    replies(httpserver, "hello", "again")
    httpserver.expect_ordered_request(SESSIONS, method="POST").respond_with_json(
        {"success": True, "data": {"id": other}}
    )
    replies(httpserver, "fresh")
    stderr = tmp_path / "stderr"
    chat = start(terminals, "--new-session", env=tty_env, stderr_path=str(stderr))
    chat.type_line("Trip planning: Rome in May")
    chat.expect("hello\r\n")
    chat.type_line("and June?")
    chat.expect("again\r\n")
    chat.type_line("/new")
    chat.type_line("something else")
    chat.expect("fresh\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    requests = [(request.path, request.get_json()) for request, _ in httpserver.log]
    assert requests[0] == (SESSIONS, {"title": "Trip planning: Rome in May"})
    assert [body.get("sessionId") for path, body in requests if path == CHAT] == [SESSION_ID, SESSION_ID, other]
    assert requests[2][1]["messages"] == [{"role": "user", "content": "and June?"}]
    assert requests[3] == (SESSIONS, {"title": "something else"})
    shown = stderr.read_text()
    assert f"sacli: new session {SESSION_ID}\n" in shown and f"sacli: new session {other}\n" in shown
    assert SESSION_ID.encode() not in chat.output  # on stderr, not on the terminal's stdout


def test_a_failed_turn_is_reported_and_the_conversation_goes_on(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    httpserver.expect_ordered_request(CHAT).respond_with_json({"error": {"message": "Invalid API key"}}, status=401)
    httpserver.expect_ordered_request(CHAT).respond_with_json({"error": {"message": "slow down"}}, status=429)
    replies(httpserver, "works now")
    stderr = tmp_path / "stderr"
    chat = start(terminals, "--retries", "0", env=tty_env, stderr_path=str(stderr))
    chat.type_line("one")
    chat.type_line("two")
    chat.type_line("three")
    chat.expect("works now\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    assert stderr.read_text().splitlines() == [
        f"sacli: error: HTTP 401 UNAUTHORIZED: Invalid API key ({AUTH_HINT})",
        "sacli: error: HTTP 429 TOO MANY REQUESTS: slow down",
    ]
    assert sent_messages(httpserver)[2] == [{"role": "user", "content": "three"}]


def test_line_history_is_private_and_never_holds_a_key(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    replies(httpserver, "noted", "ok")
    chat = start(terminals, env=tty_env)
    chat.type_line("remember this")
    chat.expect("noted\r\n")
    chat.type_line(f"my key is {OPENROUTER_KEY}")
    chat.expect("ok\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
    history = tmp_path / "state" / "sacli" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    text = history.read_text()
    assert "remember this" in text and "/exit" in text
    assert OPENROUTER_KEY not in text


def test_spinner_shows_on_stderr_until_the_first_token(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    first_token = threading.Event()

    def slow(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            first_token.wait(10)
            yield sse("at last")

        return Response(body(), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(slow)
    try:
        chat = start(terminals, env={**tty_env, "TERM": "xterm"})
        chat.type_line("hurry")
        chat.expect("waiting for openrouter/auto")
        first_token.set()
        shown = chat.expect("at last")
        assert shown.endswith(b"\r\x1b[Kat last")  # the spinner's line is erased before the reply
        chat.type_line("/exit")
        assert chat.exit_code() == 0
    finally:
        first_token.set()


def test_no_key_ends_sacli_before_the_first_prompt(env: dict[str, str], terminals: list[Terminal]) -> None:
    chat = start(terminals, env={**env, "TERM": "dumb", "INPUTRC": "/dev/null"})
    assert chat.exit_code() == 3
    assert b"sacli: error: no API key configured" in chat.output
    assert PROMPT not in chat.output


def test_timeout_limits_each_turn_and_the_conversation_goes_on(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    release = threading.Event()

    def never_answers(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            release.wait(30)
            yield sse("too late")

        return Response(body(), mimetype="text/event-stream")

    httpserver.expect_ordered_request(CHAT).respond_with_handler(never_answers)
    replies(httpserver, "in time")
    try:
        chat = start(terminals, "--timeout", "2", env=tty_env)
        chat.type_line("slow one")
        chat.expect("sacli: error: timed out after 2 s (--timeout)\r\n")
        chat.type_line("quick one")
        chat.expect("in time\r\n")
        chat.type_line("/exit")
        assert chat.exit_code() == 0
    finally:
        release.set()
    assert sent_messages(httpserver)[1] == [{"role": "user", "content": "quick one"}]


def test_every_turn_goes_over_one_kept_alive_connection(env: dict[str, str], terminals: list[Terminal]) -> None:
    def answer_each_turn(peer: Peer) -> None:
        turn = 0
        while peer.read_request() is not None:
            turn += 1
            body = sse(f"reply {turn}")
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n" % len(body)
            peer.send(head + body)

    with RawServer(answer_each_turn) as server:
        tty = {**keyed(env, server.url("/api/v1")), "TERM": "dumb", "NO_COLOR": "1", "INPUTRC": "/dev/null"}
        chat = start(terminals, env=tty)
        for turn in (1, 2, 3):
            chat.type_line(f"question {turn}")
            chat.expect(f"reply {turn}\r\n")
        chat.leave()
    assert server.accepted == 1 and len(server.requests) == 3


def test_json_with_no_prompt_on_a_terminal_is_exit_2_and_says_how(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    chat = start(terminals, "--json", env=tty_env)
    assert chat.exit_code() == 2
    assert chat.output.decode().replace("\r\n", "\n") == (
        "sacli: error: --json needs a prompt: a conversation writes its replies as text "
        '(for one JSON answer give the prompt: sacli chat --json "...")\n'
    )
    assert httpserver.log == []


def test_a_refusal_in_a_conversation_is_a_warning_and_the_conversation_goes_on(
    httpserver: HTTPServer, tty_env: dict[str, str], terminals: list[Terminal]
) -> None:
    refusal = event({**chunk(), "choices": [{"index": 0, "delta": {"refusal": "I can't help with that."}}]})
    httpserver.expect_ordered_request(CHAT, method="POST").respond_with_data(
        refusal + event(chunk("", finish="stop")) + b"data: [DONE]\n\n", content_type="text/event-stream"
    )
    replies(httpserver, "Sure.")
    chat = start(terminals, env=tty_env)
    chat.type_line("Something forbidden")
    chat.expect("sacli: warning: the model refused: I can't help with that.")
    chat.type_line("Something else")
    chat.expect("Sure.\r\n")
    chat.type_line("/exit")
    assert chat.exit_code() == 0
