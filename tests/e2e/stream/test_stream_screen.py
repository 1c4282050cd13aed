"""sacli stream on a terminal, as a person sees it: a pseudo-terminal of 80 or 50 columns drawn by
a VT emulator with tmux's scrollback (tests/support/screen.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import SACLI, chunk, needs_tool
from tests.support.screen import WIDTHS, Screen, lines_before, show
from tests.support.tapes import exchange, thought, write_tape
from tests.support.terminal import Terminal
from tests.support.tmux import in_tmux

REASONING = ["The user wants a prime. ", "Seven is one.\n", "I will say seven."]


@pytest.fixture
def term_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "TERM": "xterm-256color"}


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("colour", ["colour", "no-color"])
def test_show_reasoning_stays_on_screen_above_the_answer(
    columns: int, colour: str, term_env: dict[str, str], tmp_path: Path
) -> None:
    # A model that thinks slowly: the spinner turns before the reasoning and between its pieces.
    pieces = [thought(text) for text in REASONING] + [chunk("Seven"), chunk(" is prime.")]
    tape = write_tape(tmp_path / "tape.jsonl", exchange(pieces, first=300, every=200))
    env = {**term_env, "NO_COLOR": "1"} if colour == "no-color" else term_env
    screen = show("stream", "--show-reasoning", "--replay", str(tape), "Name a prime", env=env, columns=columns)
    assert screen.scrollback == ["The user wants a prime. Seven is one.", "I will say seven.", "Seven is prime."]


# --- --markdown -------------------------------------------------------------------------------

ITEMS = 50
NOTES = "# Release notes\n\n" + "".join(f"- item {n} of the list\n" for n in range(ITEMS)) + "\nThe **end**.\n"


def markdown_tape(tmp_path: Path) -> Path:
    """A reply of 54 lines once rendered, in pieces of 40 characters, 70 a second: rendered live several times."""
    pieces = [chunk(NOTES[at : at + 40]) for at in range(0, len(NOTES), 40)]
    return write_tape(tmp_path / "notes.jsonl", exchange(pieces, every=14))


def assert_whole_reply_once(lines: list[str]) -> None:
    """The rendered reply, each of its lines once and in order: no copy of a redraw left anywhere."""
    assert [line.strip() for line in lines if "Release notes" in line] == ["Release notes"]
    items = [line.strip() for line in lines if "item" in line]
    assert items == [f"• item {n} of the list" for n in range(ITEMS)]
    assert [line.strip() for line in lines if "end" in line] == ["The end."]


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("start", ["top-row", "mid-screen"])
def test_markdown_redraws_in_place_and_leaves_the_reply_once(
    start: str, columns: int, term_env: dict[str, str], tmp_path: Path
) -> None:
    before = lines_before(5) if start == "mid-screen" else ""
    tape = markdown_tape(tmp_path)
    screen = show("stream", "--markdown", "--replay", str(tape), "notes", env=term_env, columns=columns, before=before)
    lines = screen.scrollback
    assert lines[:5] == (before.splitlines() if before else lines[:5])  # what was on the screen stays above
    assert_whole_reply_once(lines)
    assert len(lines) < 60 + 5  # the reply's 54 lines (and what came before): not a screen more


@pytest.mark.parametrize("columns", WIDTHS)
def test_markdown_on_a_dumb_terminal_is_the_text_as_it_came(columns: int, env: dict[str, str], tmp_path: Path) -> None:
    tape = markdown_tape(tmp_path)
    screen = show("stream", "--markdown", "--replay", str(tape), "notes", env={**env, "TERM": "dumb"}, columns=columns)
    assert b"\x1b" not in screen.output  # no cursor movement, no style
    assert screen.output == NOTES.replace("\n", "\r\n").encode()  # no line padded to the width
    assert screen.scrollback == NOTES.splitlines()


# --- the spinner ------------------------------------------------------------------------------

LONG_MODEL = "anthropic/claude-3.5-sonnet-with-a-name-longer-than-a-narrow-terminal"


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_spinner_is_one_line_cut_to_the_width_and_gone_when_the_reply_starts(
    columns: int, term_env: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    tape = write_tape(tmp_path / "slow.jsonl", exchange([chunk("Seven.")], first=700))
    screen = Screen("stream", "-m", LONG_MODEL, "--replay", str(tape), "Name a prime", env=term_env, columns=columns)
    terminals.append(screen)
    screen.wait_until(lambda: len(screen.output.split(b"waiting for")) > 3, "three frames of the spinner")
    (line,) = [line for line in screen.scrollback if "waiting for" in line]  # turning on one line
    assert line[2:].startswith("waiting for anthropic/claude")
    assert len(line) <= columns - 1 and line.endswith("…")
    assert screen.finish() == 0
    assert screen.scrollback == ["Seven."]


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_spinner_shows_a_models_name_escaped(
    columns: int, term_env: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    tape = write_tape(tmp_path / "slow.jsonl", exchange([chunk("Seven.")], first=700))
    hostile = "evil\x1b]0;pwned\x07\x1b[2J/model"
    screen = Screen("stream", "-m", hostile, "--replay", str(tape), "Name a prime", env=term_env, columns=columns)
    terminals.append(screen)
    screen.wait_for("waiting for evil\\e]0;pwned\\x07\\e[2J/model")
    assert screen.finish() == 0
    assert b"\x1b]0;" not in screen.output and b"\x1b[2J" not in screen.output and b"\x07" not in screen.output


# --- plain text -------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", WIDTHS)
def test_a_reply_is_shown_as_it_came_wrapped_by_the_terminal(
    columns: int, term_env: dict[str, str], tmp_path: Path
) -> None:
    text = "Server-sent events keep one HTTP response open and push each event down it as it happens.\n\nDone."
    pieces = [chunk(text[at : at + 7]) for at in range(0, len(text), 7)]
    screen = show(
        "stream",
        "--replay",
        str(write_tape(tmp_path / "t.jsonl", exchange(pieces))),
        "SSE?",
        env=term_env,
        columns=columns,
    )
    first = text.split("\n\n")[0]
    rows = [first[n : n + columns] for n in range(0, len(first), columns)]
    assert screen.scrollback == [*rows, "", "Done."]
    assert screen.cursor == (0, len(rows) + 2)  # the reply's line ended


def test_crlf_line_ends_in_a_reply_are_line_ends(term_env: dict[str, str], tmp_path: Path) -> None:
    pieces = [chunk("line one\r\nline two\r"), chunk("\nline three\r\n"), chunk("a lone \r stays shown")]
    screen = show("stream", "--replay", str(write_tape(tmp_path / "t.jsonl", exchange(pieces))), "x", env=term_env)
    assert screen.scrollback == ["line one", "line two", "line three", "a lone \\x0d stays shown"]


@needs_tool("tmux")
@pytest.mark.parametrize("columns", WIDTHS)
def test_markdown_from_the_top_row_of_a_tmux_pane_leaves_the_reply_once_in_its_scrollback(
    columns: int, term_env: dict[str, str], tmp_path: Path
) -> None:
    # The emulator above keeps what tmux keeps; this asks tmux itself.
    tape = markdown_tape(tmp_path)
    env = {key: value for key, value in term_env.items() if key not in ("COLUMNS", "TERM")}
    lines = in_tmux(
        [SACLI, "stream", "--markdown", "--replay", str(tape), "notes"], tmp_path, columns=columns, rows=24, env=env
    )
    assert_whole_reply_once(lines)
    assert len(lines) < 60
