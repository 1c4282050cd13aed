"""sacli files list's table as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a
VT emulator (tests/support/screen.py)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.screen import WIDTHS, after_table, show, table

FILES = "/api/rag/files"
AT = "2025-11-01T09:00:00Z"
NAMES = ["quarterly-report-2026-final-version-2.pdf", "notes.txt"]
LISTED = {
    "files": [
        {
            "fileId": "file_0123456789abcdef",
            "filename": NAMES[0],
            "status": "processed",
            "size": 1234567,
            "uploadedAt": AT,
        },
        {"fileId": "file_fedcba9876543210", "filename": NAMES[1], "status": "processing", "size": 6, "uploadedAt": AT},
    ]
}


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_keeps_the_status_and_size_whole_and_cuts_the_name(
    columns: int, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(FILES).respond_with_json(LISTED)
    env = {**api_env, "TERM": "xterm-256color", "TZ": "XYZ-5:30"}
    lines = show("files", "list", env=env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert [row[0] for row in rows] == ["file_0123456789abcdef", "file_fedcba9876543210"]
    name = rows[0][1]
    assert name.endswith("…") and NAMES[0].startswith(name[:-1]) and len(name) >= 12
    assert rows[1][1] == NAMES[1]
    if columns == 80:
        assert headings == ["ID", "File name", "Status", "Size"]
        assert [row[2:] for row in rows] == [["processed", "1.2 MB"], ["processing", "6 bytes"]]
        assert after_table(lines, columns) == "sacli: Uploaded left out: the terminal is too narrow"
    else:
        assert headings == ["ID", "File name"]
        assert after_table(lines, columns) == "sacli: Status, Size, Uploaded left out: the terminal is too narrow"


@pytest.mark.parametrize("columns", WIDTHS)
def test_update_shows_the_file_as_the_list_does(columns: int, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    updated = {**LISTED["files"][0], "metadata": {"category": "reports"}}
    httpserver.expect_request(f"{FILES}/file_0123456789abcdef", method="PATCH").respond_with_json(
        {"success": True, "data": updated}
    )
    env = {**api_env, "TERM": "xterm-256color", "TZ": "XYZ-5:30"}
    args = ("files", "update", "file_0123456789abcdef", "--category", "reports")
    lines = show(*args, env=env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, row = table(lines)
    assert row[0] == "file_0123456789abcdef"
    assert row[1] == NAMES[0] or (row[1].endswith("…") and NAMES[0].startswith(row[1][:-1]) and len(row[1]) >= 12)
    whole = {"Status": "processed", "Size": "1.2 MB", "Uploaded": "2025-11-01 14:30"}
    cells = dict(zip(headings, row, strict=True))
    assert {heading: cells[heading] for heading in whole if heading in cells} == {
        heading: value for heading, value in whole.items() if heading in headings
    }
    left_out = [heading for heading in whole if heading not in headings]
    assert headings == ["ID", "File name", *(heading for heading in whole if heading in headings)]
    notice = f"sacli: {', '.join(left_out)} left out: the terminal is too narrow" if left_out else ""
    assert after_table(lines, columns) == notice
    if columns == 80:
        assert "Size" in headings
