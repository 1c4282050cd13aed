"""The interactive sacli chat as a person sees it: typing, pasting, Ctrl-C, Ctrl-D, /edit, /help and
the replies, on a pseudo-terminal of 80 or 50 columns drawn by a VT emulator (tests/support/screen.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sacli.chat.interactive import help_text
from tests.support.helpers import chunk
from tests.support.screen import WIDTHS, Screen
from tests.support.tapes import exchange, thought, write_tape
from tests.support.terminal import Terminal


@pytest.fixture
def term_env(env: dict[str, str]) -> dict[str, str]:
    # A terminal that takes bracketed paste, with no user inputrc.
    return {**env, "TERM": "xterm-256color", "INPUTRC": "/dev/null"}


def start(terminals: list[Terminal], *args: str, env: dict[str, str], columns: int, rows: int = 24) -> Screen:
    chat = Screen("chat", *args, env=env, columns=columns, rows=rows)
    terminals.append(chat)
    return chat


def at_prompt(chat: Screen, below: int = -1) -> int:
    """Wait for an empty prompt on the cursor's line, below the line numbered ``below``; its line number."""

    def ready() -> bool:
        column, row = chat.cursor
        return chat.line_number > below and column == 2 and chat.display[row] == ">"

    chat.wait_until(ready, "an empty prompt")
    return chat.line_number


def type_line(chat: Screen, text: str, below: int = -1) -> int:
    """Type ``text`` and Enter at the next empty prompt; the line number it was typed on."""
    line = at_prompt(chat, below)
    chat.send(text + "\r")
    return line


def leave(chat: Screen, below: int) -> list[str]:
    """/exit at the next prompt below line ``below``; what the scrollback then holds."""
    type_line(chat, "/exit", below)
    assert chat.finish() == 0
    return chat.scrollback


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_reasoning_stays_on_screen_above_each_reply(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    pieces = [thought("Small primes: 2, 3, 5, 7. "), thought("Seven it is."), chunk("Seven.")]
    tape = write_tape(tmp_path / "tape.jsonl", exchange(pieces, first=300, every=200))
    chat = start(terminals, "--show-reasoning", "--replay", str(tape), env=term_env, columns=columns)
    lines = leave(chat, type_line(chat, "Name a prime"))
    shown = lines[lines.index("> Name a prime") :]
    assert shown == ["> Name a prime", "Small primes: 2, 3, 5, 7. Seven it is.", "Seven.", "> /exit"]


def reply_tape(tmp_path: Path, *replies: list[dict | bytes]) -> Path:
    return write_tape(tmp_path / "tape.jsonl", *(exchange(pieces) for pieces in replies))


def prompt_lines(lines: list[str]) -> list[str]:
    """The lines from the first prompt on (the banner wraps differently at each width)."""
    first = next(number for number, line in enumerate(lines) if line.startswith(">"))
    return lines[first:]


@pytest.mark.parametrize("columns", WIDTHS)
def test_typing_and_a_bracketed_paste_show_as_typed_above_each_reply(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    tape = reply_tape(tmp_path, [chunk("Paris.")], [chunk("Noted.")])
    chat = start(terminals, "--replay", str(tape), env=term_env, columns=columns)
    line = type_line(chat, "Capital of France?")
    at = at_prompt(chat, line)
    chat.send("\x1b[200~first line\nsecond line\x1b[201~\r")
    lines = leave(chat, at)
    assert prompt_lines(lines) == [
        "> Capital of France?",
        "Paris.",
        "> first line",
        "second line",
        "Noted.",
        "> /exit",
    ]


@pytest.mark.parametrize("columns", WIDTHS)
def test_ctrl_c_while_typing_marks_the_line_after_what_was_typed_and_gives_a_fresh_prompt(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    chat = start(terminals, "--replay", str(reply_tape(tmp_path)), env=term_env, columns=columns)
    typed = "a line long enough to go past the edge of a narrow terminal, then dropped"
    at = at_prompt(chat)
    chat.send(typed)
    chat.wait_until(lambda: chat.display[-1] != "" or "dropped" in "".join(chat.display), "the typed line")
    chat.interrupt()
    lines = leave(chat, at)
    shown = "> " + typed + "^C"
    rows = [shown[n : n + columns] for n in range(0, len(shown), columns)]  # as the terminal wraps it
    assert prompt_lines(lines) == [*rows, "> /exit"]


@pytest.mark.parametrize("columns", WIDTHS)
def test_ctrl_d_at_the_prompt_ends_its_line(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    chat = start(terminals, "--replay", str(reply_tape(tmp_path)), env=term_env, columns=columns)
    at = at_prompt(chat)
    chat.send("\x04")
    assert chat.finish() == 0
    assert prompt_lines(chat.scrollback) == [">"]
    assert chat.line_number == at + 1 and chat.cursor[0] == 0  # what comes next starts on a line of its own


@pytest.mark.parametrize("columns", WIDTHS)
def test_edit_shows_the_message_written_in_the_editor_as_if_typed(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Written in the editor\\nover two lines\\n" > "$1"\n')
    editor.chmod(0o700)
    env = {**term_env, "VISUAL": str(editor)}
    chat = start(terminals, "--replay", str(reply_tape(tmp_path, [chunk("Noted.")])), env=env, columns=columns)
    lines = leave(chat, type_line(chat, "/edit"))
    assert prompt_lines(lines) == ["> /edit", "> Written in the editor", "over two lines", "Noted.", "> /exit"]


def test_a_reply_with_crlf_line_ends_shows_its_lines(
    term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    # A CR ends one piece and its LF starts the next: still one line end.
    pieces = [chunk("line one\r\nline two\r"), chunk("\nline three\r\n"), chunk("a lone \r stays shown")]
    chat = start(terminals, "--replay", str(reply_tape(tmp_path, pieces)), env=term_env, columns=80)
    lines = leave(chat, type_line(chat, "three lines"))
    assert prompt_lines(lines) == [
        "> three lines",
        "line one",
        "line two",
        "line three",
        "a lone \\x0d stays shown",
        "> /exit",
    ]


@pytest.mark.parametrize("columns", WIDTHS)
def test_help_fits_the_width_and_wraps_between_words(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    chat = start(terminals, "--replay", str(reply_tape(tmp_path)), env=term_env, columns=columns)
    lines = leave(chat, type_line(chat, "/help"))
    shown = prompt_lines(lines)[1:-1]
    assert shown[0].startswith("/exit, Ctrl-D") and shown[-1].endswith("at an empty prompt it leaves.")
    assert all(len(line) <= min(columns, 80) for line in shown)
    if columns == 80:
        assert len(shown) == 11  # one line each: nothing wraps
    assert " ".join(shown).split() == help_text(1000).split()  # the same words: none was cut in two


@pytest.mark.parametrize("columns", WIDTHS)
def test_markdown_replies_are_drawn_in_place_below_each_prompt(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    reply = "# Notes\n\n" + "".join(f"- point {n}\n" for n in range(30))
    pieces = [chunk(reply[at : at + 9]) for at in range(0, len(reply), 9)]
    tape = write_tape(tmp_path / "tape.jsonl", exchange(pieces, every=15), exchange([chunk("**Done**.")]))
    chat = start(terminals, "--markdown", "--replay", str(tape), env=term_env, columns=columns)
    line = type_line(chat, "notes?")
    lines = leave(chat, type_line(chat, "and?", line))
    shown = [line.strip() for line in prompt_lines(lines)]
    assert shown == ["> notes?", "Notes", "", *(f"• point {n}" for n in range(30)), "> and?", "Done.", "> /exit"]


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_banner_wraps_between_words(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    chat = start(terminals, "--replay", str(reply_tape(tmp_path)), env=term_env, columns=columns)
    lines = leave(chat, at_prompt(chat) - 1)
    banner = lines[: lines.index("> /exit")]
    assert " ".join(banner) == "sacli chat with openrouter/auto; /help lists the commands, Ctrl-D leaves"
    assert len(banner) == (1 if columns == 80 else 2)


# --- one-shot chat on a terminal ------------------------------------------------------------------

LONG_MODEL = "some-lab/a-model-whose-name-is-longer-than-a-narrow-terminal-is-wide-by-far"


@pytest.mark.parametrize("columns", WIDTHS)
def test_one_shot_chat_turns_a_spinner_on_one_line_then_shows_the_reply_whole(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    text = "Seven is a prime: it has no divisors but one and itself, so it is the answer here."
    pieces = [chunk(text[at : at + 9]) for at in range(0, len(text), 9)]
    tape = write_tape(tmp_path / "slow.jsonl", exchange(pieces, first=700))
    chat = Screen("chat", "-m", LONG_MODEL, "--replay", str(tape), "Name a prime", env=term_env, columns=columns)
    terminals.append(chat)
    chat.wait_until(lambda: chat.output.count(b"waiting for") > 3, "three frames of the spinner")
    (line,) = [line for line in chat.scrollback if "waiting for" in line]  # turning on one line
    assert len(line) <= columns - 1 and line.endswith("…")
    assert chat.finish() == 0
    assert chat.scrollback == [text[n : n + columns] for n in range(0, len(text), columns)]  # as the terminal wraps


@pytest.mark.parametrize("columns", WIDTHS)
def test_one_shot_chat_shows_the_reasoning_above_the_reply(
    columns: int, term_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    pieces = [thought("Small primes: 2, 3, 5, 7. "), thought("Seven it is."), chunk("Seven.")]
    tape = write_tape(tmp_path / "tape.jsonl", exchange(pieces, first=300, every=200))
    chat = Screen("chat", "--show-reasoning", "--replay", str(tape), "Name a prime", env=term_env, columns=columns)
    terminals.append(chat)
    assert chat.finish() == 0
    assert chat.scrollback == ["Small primes: 2, 3, 5, 7. Seven it is.", "Seven."]
