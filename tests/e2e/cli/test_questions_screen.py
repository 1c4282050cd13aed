"""Every ``[y/N]`` question sacli asks (sessions, facts and files delete, logs prune) as a person sees
it on a pseudo-terminal of 80 or 50 columns drawn by a VT emulator: Ctrl-D, Ctrl-C and "n" answer no,
nothing is deleted, and what follows starts on a line of its own."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import run, sse
from tests.support.screen import WIDTHS, Screen, unfolded
from tests.support.terminal import Terminal

SESSION = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
OTHER = "5d1f0a52-8a3c-4b5e-9f10-2b7c9d8e6a41"
QUESTIONS = {
    "sessions": (("sessions", "delete", SESSION, OTHER), f"Delete 2 sessions ({SESSION}, {OTHER})?"),
    "facts": (("facts", "delete", "fact-1"), "Delete fact fact-1?"),
    "files": (("files", "delete", "file-1"), "Delete file file-1?"),
    "logs": (("logs", "prune", "--older-than", "1d"), "Delete the exchanges logged before"),
}


@pytest.fixture
def term_env(api_env: dict[str, str], tmp_path: Path, httpserver: HTTPServer) -> dict[str, str]:
    """A terminal's environment, with one exchange in the log for ``logs prune`` to ask about."""
    env = {**api_env, "TERM": "xterm-256color", "XDG_DATA_HOME": str(tmp_path / "data"), "TZ": "UTC"}
    httpserver.expect_oneshot_request("/api/v1/chat/completions").respond_with_data(
        sse("logged"), content_type="text/event-stream"
    )
    assert run("stream", "hi", env=env).returncode == 0
    httpserver.clear_log()
    return env


def asked(terminals: list[Terminal], what: str, env: dict[str, str], columns: int) -> Screen:
    args, _ = QUESTIONS[what]
    screen = Screen(*args, env=env, columns=columns)
    terminals.append(screen)
    screen.wait_until(lambda: screen.cursor[0] > 0 and "[y/N]" in "".join(screen.display), "the question")
    return screen


def question_shown(screen: Screen, what: str, columns: int) -> tuple[str, list[str]]:
    """The question as shown (folded between words, its lines joined again), and the lines after it."""
    lines = [line for line in screen.scrollback if line]
    end = next((n for n, line in enumerate(lines) if line.startswith("sacli: ")), len(lines))
    assert all(len(line) < columns for line in lines[:end]), lines  # no word cut by the terminal's wrap
    shown = " ".join(line.strip() for line in lines[:end])
    assert shown.startswith(QUESTIONS[what][1]), shown
    return shown, lines[end:]


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("what", sorted(QUESTIONS))
def test_ctrl_d_answers_no_and_what_follows_is_on_a_line_of_its_own(
    what: str, columns: int, httpserver: HTTPServer, term_env: dict[str, str], terminals: list[Terminal]
) -> None:
    screen = asked(terminals, what, term_env, columns)
    screen.send("\x04")
    assert screen.finish() == 0
    shown, after = question_shown(screen, what, columns)
    assert shown.endswith("[y/N]")
    assert unfolded(after, columns) == "sacli: nothing deleted"
    assert screen.cursor[0] == 0
    assert httpserver.log == []


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("what", sorted(QUESTIONS))
def test_ctrl_c_ends_sacli_by_sigint_with_the_mark_after_the_question(
    what: str, columns: int, httpserver: HTTPServer, term_env: dict[str, str], terminals: list[Terminal]
) -> None:
    screen = asked(terminals, what, term_env, columns)
    screen.interrupt()
    status = screen.wait()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT  # the shell reports 130
    shown, after = question_shown(screen, what, columns)
    assert shown.endswith("[y/N] ^C") and after == []
    assert "Traceback" not in "\n".join(screen.scrollback)
    assert httpserver.log == []


@pytest.mark.parametrize("columns", WIDTHS)
def test_n_answers_no(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str], terminals: list[Terminal]
) -> None:
    screen = asked(terminals, "sessions", term_env, columns)
    screen.send("n\r")
    assert screen.finish() == 0
    shown, after = question_shown(screen, "sessions", columns)
    assert shown.endswith("[y/N] n")
    assert after == ["sacli: nothing deleted"]
    assert httpserver.log == []
