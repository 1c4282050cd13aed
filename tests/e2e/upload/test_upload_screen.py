"""sacli upload's progress as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a
VT emulator (tests/support/screen.py): the bars, the --wait spinner, and file names that hold
terminal controls."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.screen import WIDTHS, Screen, show
from tests.support.terminal import Terminal

UPLOAD = "/api/rag/upload"
FILES = "/api/rag/files"
HOSTILE = "x\x1b]0;pwned\x07\x1b[2J.txt"  # sets the window's title, then clears the screen
SHOWN = "x\\e]0;pwned\\x07\\e[2J.txt"


def accept(request: Request) -> Response:
    body = {"fileId": "file_1", "filename": request.files["file"].filename, "status": "processing"}
    return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def term_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm-256color"}


@pytest.mark.parametrize("columns", WIDTHS)
def test_each_bar_is_one_line_that_reads_well_for_small_and_large_files(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(accept)
    small = tmp_path / "notes.txt"
    small.write_bytes(b"hello\n")
    large = tmp_path / "quarterly-report-of-the-northern-region-2026.bin"
    large.write_bytes(b"z" * (3 * 1024 * 1024))
    screen = show("upload", str(small), str(large), env=term_env, columns=columns, stdout_path=str(tmp_path / "out"))
    first, second = screen.scrollback
    assert len(first) <= columns - 1 and len(second) <= columns - 1  # one line each, within the width
    assert "notes.txt" in first and " 6 bytes" in first  # its size, not "6/6 bytes ?"
    assert "6/6" not in first and "?" not in first
    assert "━" in first and "━" in second
    assert "…" in second and "2026.bin" in second  # the long path keeps its end, the file's name
    assert "3.1 MB" in second and "3.1/3.1" not in second


def test_a_file_name_is_shown_escaped_on_the_bar_and_the_wait_spinner(
    httpserver: HTTPServer, term_env: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    listed = threading.Event()

    def files(request: Request) -> Response:
        listed.wait(10)  # processing, until the test has seen the spinner
        body = {"files": [{"fileId": "file_1", "filename": HOSTILE, "status": "processed"}]}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(UPLOAD).respond_with_handler(accept)
    httpserver.expect_request(FILES).respond_with_handler(files)
    (tmp_path / HOSTILE).write_text("hi\n")
    env = {**term_env, "SACLI_POLL_INTERVAL": "0.01"}
    out = str(tmp_path / "out")
    screen = Screen("upload", "--wait", HOSTILE, env=env, columns=80, stdout_path=out, cwd=str(tmp_path))
    terminals.append(screen)
    try:
        screen.wait_for(f"waiting for the server to process {SHOWN}")
    finally:
        listed.set()
    assert screen.finish() == 0
    assert b"\x1b]0;" not in screen.output and b"\x1b[2J" not in screen.output and b"\x07" not in screen.output
    assert any(SHOWN in line and "━" in line for line in screen.scrollback)


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_wait_spinner_is_one_line_cut_to_the_width_its_name_escaped(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    name = "quarterly-report-" + HOSTILE
    listed = threading.Event()

    def files(request: Request) -> Response:
        listed.wait(10)  # processing, until the test has seen the spinner turn
        body = {"files": [{"fileId": "file_1", "filename": name, "status": "processed"}]}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(UPLOAD).respond_with_handler(accept)
    httpserver.expect_request(FILES).respond_with_handler(files)
    (tmp_path / name).write_text("hi\n")
    env = {**term_env, "SACLI_POLL_INTERVAL": "0.01"}
    args = ("upload", "--wait", name)
    screen = Screen(*args, env=env, columns=columns, stdout_path=str(tmp_path / "out"), cwd=str(tmp_path))
    terminals.append(screen)
    try:
        screen.wait_until(lambda: screen.output.count(b"waiting for the server") > 3, "three frames of the spinner")
        shown = [line for line in screen.scrollback if "waiting for the server" in line]
    finally:
        listed.set()
    assert len(shown) == 1, shown  # turning on one line
    line = shown[0]
    assert len(line) <= columns - 1
    whole = "waiting for the server to process quarterly-report-" + SHOWN
    assert line[2:] == whole or (line.endswith("…") and whole.startswith(line[2:-1])), line
    assert screen.finish() == 0
    assert b"\x1b]0;" not in screen.output and b"\x1b[2J" not in screen.output and b"\x07" not in screen.output
