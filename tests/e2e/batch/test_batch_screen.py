"""sacli batch's progress line as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn
by a VT emulator (tests/support/screen.py); the records go to a file."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import sse
from tests.support.screen import WIDTHS, Screen, unfolded
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"


@pytest.fixture
def held(httpserver: HTTPServer) -> Iterator[threading.Event]:
    """A server that answers at once, but holds the prompts "hold" until the event is set, and fails "fail"."""
    release = threading.Event()

    def answer(request: Request) -> Response:
        prompt = request.get_json()["messages"][-1]["content"]
        if prompt == "fail":
            return Response(json.dumps({"error": {"message": "bad request"}}), status=400, mimetype="application/json")
        if prompt == "hold":
            release.wait(30)
        return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(answer)
    yield release
    release.set()


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_progress_line_stays_one_line_within_the_width(
    columns: int,
    held: threading.Event,
    api_env: dict[str, str],
    tmp_path: Path,
    terminals: list[Terminal],
) -> None:
    prompts = [f"prompt {n}" for n in range(120)] + ["fail", "hold", "hold"]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"item-{n}", "prompt": p}) + "\n" for n, p in enumerate(prompts)))
    screen = Screen(
        "batch",
        "-P",
        "3",
        str(source),
        env={**api_env, "TERM": "xterm-256color"},
        columns=columns,
        stdout_path=str(tmp_path / "out"),
    )
    terminals.append(screen)
    screen.wait_for("121/123 · 1 failed · 2 running")
    assert [line for line in screen.scrollback if line] == [line for line in screen.display if line]
    (line,) = [line for line in screen.display if line]
    assert len(line) <= columns - 1
    held.set()
    assert screen.finish() == ExitCode.BATCH_FAILED
    line, *error = screen.scrollback  # the last line stays, and the error (a message, wrapped) below it
    assert line.startswith("━") and "123/123 · 1 failed · 0 running" in line and len(line) <= columns - 1
    assert unfolded(error, columns) == "sacli: error: batch finished with failed items: 1 of 123"


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_total_counts_one_item_for_a_line_that_is_not_an_object_under_several_models(
    columns: int,
    held: threading.Event,
    api_env: dict[str, str],
    tmp_path: Path,
    terminals: list[Terminal],
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "a"}\nnot json\n[1, 2]\n{"prompt": "b"}\n')
    screen = Screen(
        "batch",
        *("-m", "lab/one", "-m", "lab/two"),
        str(source),
        env={**api_env, "TERM": "xterm-256color"},
        columns=columns,
        stdout_path=str(tmp_path / "out"),
    )
    terminals.append(screen)
    assert screen.finish() == ExitCode.BATCH_FAILED
    assert len((tmp_path / "out").read_text().splitlines()) == 6  # each prompt of each model, one per bad line
    bar = next(line for line in screen.scrollback if line.startswith("━"))
    assert "6/6 · 2 failed · 0 running" in bar
