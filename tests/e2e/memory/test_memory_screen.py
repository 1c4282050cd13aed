"""sacli memory as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a VT emulator
(tests/support/screen.py): bars drawn to scale that fit the width, content cut to it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.memory.documented import COUNTS, ROOT, STATS, Analytics
from tests.support.screen import WIDTHS, after_table, show, table

PARTS = " ▏▎▍▌▋▊▉"
LONG = "Prefers dark mode in every editor and terminal they use, and small fonts everywhere"


@pytest.fixture
def term_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm-256color", "TZ": "UTC"}


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[Analytics]:
    access = [
        {"id": "fact-1", "content": LONG, "accessCount": 47, "lastAccessedAt": "2024-01-15T10:30:00Z"},
        {"id": "fact-2", "content": "Works in Python", "accessCount": 1234567, "lastAccessedAt": None},
    ]
    analytics = Analytics({"access-patterns": {"success": True, "data": access}})
    httpserver.expect_request(re.compile(f"^{ROOT}/.*$")).respond_with_handler(analytics)
    yield analytics


def eighths(bar: str) -> int:
    """How long a bar is, in eighths of a cell (its track, if any, left out)."""
    return 8 * bar.count("█") + sum(PARTS.index(c) for c in bar if c in PARTS[1:])


def assert_to_scale(counts: list[int], bars: list[str]) -> int:
    """Each bar is its count's share of the largest, to an eighth of a cell; the largest's length."""
    full = eighths(bars[counts.index(max(counts))])
    for count, bar in zip(counts, bars, strict=True):
        assert abs(eighths(bar) - count / max(counts) * full) <= 0.5, (count, bar, full)
    return full


@pytest.mark.parametrize("columns", WIDTHS)
def test_stats_draws_each_count_to_scale(columns: int, server: Analytics, term_env: dict[str, str]) -> None:
    lines = show("memory", "stats", env=term_env, columns=columns, rows=30).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Group", "Name", "Facts", "Share"]
    assert [row[0] for row in rows if row[0]] == ["total", "category", "level", "source", "recent"]
    data = STATS["data"]
    names = ["all", *(name for group in list(data.values())[1:] for name in group)]
    assert [row[1].rstrip("…") for row in rows] == [
        name[: len(row[1].rstrip("…"))] for name, row in zip(names, rows, strict=True)
    ]
    counts = [int(row[2]) for row in rows]
    assert counts == [156, *(count for group in list(data.values())[1:] for count in group.values())]
    full = assert_to_scale(counts, [row[3] for row in rows])
    assert full == (20 if columns == 80 else 12) * 8  # the whole bar, narrower in a narrow terminal
    if columns == 50:
        assert "explicit_co…" in [row[1] for row in rows]  # the names are cut to leave the bars their room
    assert not after_table(lines, columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_timeline_draws_one_bar_per_period_to_scale(columns: int, server: Analytics, term_env: dict[str, str]) -> None:
    lines = show("memory", "timeline", "--group-by", "day", env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Period", "Facts", "Share"]
    assert [row[0] for row in rows] == [f"2024-01-{day}" for day in range(15, 22)]
    assert [int(row[1]) for row in rows] == COUNTS
    assert assert_to_scale(COUNTS, [row[2] for row in rows]) == 20 * 8
    assert rows[COUNTS.index(0)][2] == ""  # a period with no facts has no bar


def test_timeline_of_many_long_periods_fits_a_narrow_terminal(httpserver: HTTPServer, term_env: dict[str, str]) -> None:
    periods = [
        {"date": f"2024-01-15T{hour:02d}:00:00.000Z (hour {hour} of the day)", "count": hour} for hour in range(24)
    ]
    httpserver.expect_request(f"{ROOT}/timeline").respond_with_json({"success": True, "data": periods})
    lines = show("memory", "timeline", "--group-by", "hour", env=term_env, columns=50, rows=40).scrollback
    assert all(len(line) <= 50 for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Period", "Facts", "Share"] and len(rows) == 24
    assert all(row[0].startswith("2024-01-15T") and row[0].endswith("…") for row in rows)
    assert_to_scale(list(range(24)), [row[2] for row in rows])
    assert eighths(rows[-1][2]) >= 5 * 8


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("percent", [0.5, 37.5, 100, 250])
def test_storage_shows_the_percent_used_as_a_gauge(
    columns: int, percent: float, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    record = {
        "usedBytes": 524288, "usedFormatted": "512 KB", "limitBytes": 104857600, "limitFormatted": "100 MB",
        "percentUsed": percent, "factCount": 156, "avgFactSize": 3361,
    }  # fmt: skip
    httpserver.expect_request(f"{ROOT}/storage").respond_with_json({"success": True, "data": record})
    lines = show("memory", "storage", env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Field", "Value"]
    shown = dict(row for row in rows if row[0])
    assert shown == {
        "Used": "512 KB (524,288 bytes)",
        "Limit": "100 MB (104,857,600 bytes)",
        "Percent used": f"{percent:g}%",
        "Facts": "156",
        "Average size": "3,361 bytes",
    }
    (gauge,) = [row[1] for row in rows if not row[0]]
    assert set(gauge) <= set("█" + PARTS + "░") and len(gauge) == 20
    assert abs(eighths(gauge) - min(percent, 100) / 100 * 20 * 8) <= 0.5


@pytest.mark.parametrize("columns", WIDTHS)
def test_access_cuts_the_content_to_the_width(columns: int, server: Analytics, term_env: dict[str, str]) -> None:
    lines = show("memory", "access", env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    by_heading = [dict(zip(headings, row, strict=True)) for row in rows]
    assert [row["ID"] for row in by_heading] == ["fact-1", "fact-2"]
    assert [row["Accesses"] for row in by_heading] == ["47", "1,234,567"]
    content = by_heading[0]["Content"]
    assert content.endswith("…") and LONG.startswith(content[:-1]) and len(content) >= 12
    assert by_heading[1]["Content"] == "Works in Python"
    if columns == 80:
        assert [row["Last access"] for row in by_heading] == ["2024-01-15 10:30", ""]
        assert not after_table(lines, columns)
    else:
        assert "Last access" not in headings
        assert after_table(lines, columns) == "sacli: Last access left out: the terminal is too narrow"
