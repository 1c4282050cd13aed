"""sacli upload's progress as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a
VT emulator (tests/support/screen.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.screen import WIDTHS, show

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
