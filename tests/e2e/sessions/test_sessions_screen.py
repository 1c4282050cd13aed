"""sacli sessions' tables as a person sees them, on a pseudo-terminal of 80 or 50 columns drawn by a
VT emulator (tests/support/screen.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.screen import WIDTHS, Screen, after_table, show, table
from tests.support.terminal import Terminal

SESSIONS = "/api/v1/memory/sessions"
IDS = [
    "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60",
    "5d1f0a52-8a3c-4b5e-9f10-2b7c9d8e6a41",
    "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11",
]
TITLES = ["nightly build failures and what to do about each of them", "Trip planning: Rome in May", "short"]
LISTED = [
    {"id": sid, "title": title, "createdAt": "2025-11-02T10:30:00Z", "messageCount": count}
    for sid, title, count in zip(IDS, TITLES, (12, 4, 1), strict=True)
]


@pytest.fixture
def term_env(api_env: dict[str, str]) -> dict[str, str]:
    # POSIX TZ without tzdata: local time is UTC+05:30, so 10:30Z shows as 16:00.
    return {**api_env, "TERM": "xterm-256color", "TZ": "XYZ-5:30"}


def continued(env: dict[str, str], session: str) -> None:
    """Make ``session`` the one --continue uses (the list marks it)."""
    state = Path(env["XDG_STATE_HOME"]) / "sacli"
    state.mkdir(parents=True, exist_ok=True)
    (state / "last-session").write_text(session + "\n")


def assert_cut(cells: list[str], whole: list[str]) -> None:
    """Each cell is its value, or the start of it ended by "…"; never empty."""
    for cell, value in zip(cells, whole, strict=True):
        assert cell == value or (cell.endswith("…") and len(cell) > 1 and value.startswith(cell[:-1])), (cell, value)


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_keeps_ids_and_dates_whole_and_cuts_the_title(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": LISTED})
    continued(term_env, IDS[1])
    screen = show("sessions", "list", env=term_env, columns=columns)
    lines = screen.scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert [row[0] for row in rows] == IDS
    assert_cut([row[1] for row in rows], TITLES)
    if columns == 80:
        assert headings == ["ID", "Title", "Created"]
        assert [row[2] for row in rows] == ["2025-11-02 16:00"] * 3  # whole
        assert len(rows[0][1]) >= 12  # the title has the room the others leave
        notice = "sacli: Messages left out: the terminal is too narrow"  # the mark has no name to give
    else:
        assert headings == ["ID", "Title"]
        notice = "sacli: Created, Messages left out: the terminal is too narrow"
    assert after_table(lines, columns) == notice


def test_list_in_a_wide_terminal_shows_every_column_whole(httpserver: HTTPServer, term_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": LISTED})
    continued(term_env, IDS[1])
    lines = show("sessions", "list", env=term_env, columns=150).scrollback
    assert table(lines) == [
        ["ID", "Title", "Created", "Messages", ""],
        [IDS[0], TITLES[0], "2025-11-02 16:00", "12", ""],
        [IDS[1], TITLES[1], "2025-11-02 16:00", "4", "← --continue"],
        [IDS[2], TITLES[2], "2025-11-02 16:00", "1", ""],
    ]
    assert "left out" not in "\n".join(lines)


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_wraps_the_values_and_the_messages_whole(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    messages = [
        {"role": "user", "content": "Where do the nightly builds fail, and why, in the last week?"},
        {"role": "assistant", "content": "Mostly in the integration tests of the upload path."},
    ]
    session = {**LISTED[0], "messages": messages}
    httpserver.expect_request(f"{SESSIONS}/{IDS[0]}").respond_with_json({"data": session})
    lines = show("sessions", "show", IDS[0], env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    text = " ".join(" ".join(row) for row in table(lines))
    for value in (IDS[0], TITLES[0], *(m["content"] for m in messages)):
        assert value in text or value.replace(" ", "") in text.replace(" ", ""), value  # whole, maybe wrapped
    assert "…" not in text


def test_ctrl_d_at_the_question_puts_what_follows_on_a_line_of_its_own(
    httpserver: HTTPServer, term_env: dict[str, str], terminals: list[Terminal]
) -> None:
    screen = Screen("sessions", "delete", IDS[0], env=term_env, columns=80)
    terminals.append(screen)
    screen.wait_for("[y/N]")
    screen.send("\x04")
    assert screen.finish() == 0
    assert screen.scrollback == [f"Delete session {IDS[0]}? [y/N]", "sacli: nothing deleted"]
    assert httpserver.log == []


@pytest.mark.parametrize("columns", WIDTHS)
def test_rename_shows_the_session_as_the_list_does(
    columns: int, httpserver: HTTPServer, term_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{IDS[0]}").respond_with_json({"data": LISTED[0]})
    lines = show("sessions", "rename", IDS[0], TITLES[0], env=term_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, row = table(lines)
    assert row[0] == IDS[0]
    assert_cut([row[1]], [TITLES[0]])
    if columns == 80:
        assert (headings, row[2]) == (["ID", "Title", "Created"], "2025-11-02 16:00")
        assert after_table(lines, columns) == "sacli: Messages left out: the terminal is too narrow"
    else:
        assert headings == ["ID", "Title"]
        assert after_table(lines, columns) == "sacli: Created, Messages left out: the terminal is too narrow"
