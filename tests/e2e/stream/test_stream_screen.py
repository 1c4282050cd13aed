"""sacli stream on a terminal, as a person sees it: a pseudo-terminal of 80 or 50 columns drawn by
a VT emulator with tmux's scrollback (tests/support/screen.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import chunk
from tests.support.screen import WIDTHS, show
from tests.support.tapes import exchange, thought, write_tape

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
