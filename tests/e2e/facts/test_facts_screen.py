"""sacli facts' tables as a person sees them, on a pseudo-terminal of 80 or 50 columns drawn by a VT
emulator (tests/support/screen.py)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.screen import WIDTHS, after_table, show, table

FACTS = "/api/memory/facts"
CONTENTS = [
    "Prefers dark mode in every editor and terminal they use, and small fonts",
    "Works in Python",
    "Lives in Lisbon",
]
CATEGORIES = ["preference", "work", None]
LISTED = [
    {"id": f"fact-{n}", "content": content, "category": category, "level": "user", "createdAt": "2025-10-15T10:30:00Z"}
    for n, (content, category) in enumerate(zip(CONTENTS, CATEGORIES, strict=True))
]


@pytest.fixture
def term_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm-256color", "TZ": "XYZ-5:30"}


def assert_cut(cells: list[str], whole: list[str]) -> None:
    """Each cell is its value, or the start of it ended by "…"; never empty."""
    for cell, value in zip(cells, whole, strict=True):
        assert cell == value or (cell.endswith("…") and len(cell) > 1 and value.startswith(cell[:-1])), (cell, value)


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_keeps_the_short_columns_whole_and_cuts_the_content(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    httpserver.expect_request(FACTS).respond_with_json({"success": True, "data": LISTED})
    lines = show("facts", "list", env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    by_heading = [dict(zip(headings, row, strict=True)) for row in rows]
    assert [row["ID"] for row in by_heading] == ["fact-0", "fact-1", "fact-2"]
    assert_cut([row["Content"] for row in by_heading], CONTENTS)
    assert [row["Category"] for row in by_heading] == ["preference", "work", ""]
    assert [row["Level"] for row in by_heading] == ["user"] * 3
    if columns == 80:
        assert [row["Created"] for row in by_heading] == ["2025-10-15 16:00"] * 3
        assert not after_table(lines, columns)
    else:
        assert "Created" not in headings
        assert after_table(lines, columns) == "sacli: Created left out: the terminal is too narrow"


@pytest.mark.parametrize("columns", WIDTHS)
def test_search_keeps_the_category_and_the_score_whole(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    found = [{**fact, "score": 0.87} for fact in LISTED]
    httpserver.expect_request(f"{FACTS}/search", method="POST").respond_with_json({"success": True, "data": found})
    lines = show("facts", "search", "dark mode", env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["ID", "Score", "Content", "Category"]
    assert [row[1] for row in rows] == ["0.87"] * 3
    assert_cut([row[2] for row in rows], CONTENTS)
    assert [row[3] for row in rows] == ["preference", "work", ""]
    assert rows[0][2] != CONTENTS[0] and len(rows[0][2]) >= 12  # cut, with the room the others leave
    assert not after_table(lines, columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_update_shows_the_fact_as_the_list_does(columns: int, httpserver: HTTPServer, term_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{FACTS}/fact-0").respond_with_json({"success": True, "data": LISTED[0]})
    lines = show("facts", "update", "fact-0", CONTENTS[0], env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, row = table(lines)
    cells = dict(zip(headings, row, strict=True))
    assert (cells["ID"], cells["Category"], cells["Level"]) == ("fact-0", "preference", "user")
    assert_cut([cells["Content"]], [CONTENTS[0]])
    if columns == 80:
        assert cells["Created"] == "2025-10-15 16:00" and not after_table(lines, columns)
    else:
        assert "Created" not in cells
        assert after_table(lines, columns) == "sacli: Created left out: the terminal is too narrow"
