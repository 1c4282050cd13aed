"""sacli config show's table as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a
VT emulator (tests/support/screen.py)."""

from __future__ import annotations

import pytest

from tests.e2e.config.test_config import write_config
from tests.support.screen import WIDTHS, after_table, show, table

SYSTEM = "You are a careful assistant who answers in short sentences and cites sources"


def cut_or_whole(cell: str, value: str) -> bool:
    return cell == value or (cell.endswith("…") and len(cell) > 1 and value.startswith(cell[:-1]))


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_keeps_the_keys_whole_and_cuts_long_values_and_paths(columns: int, env: dict[str, str]) -> None:
    path = write_config(env, f'system = "{SYSTEM}"\n')
    env = {**env, "TERM": "xterm-256color", "SACLI_MODEL": "openai/gpt-4o-mini"}
    lines = show("config", "show", env=env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    shown = {row[0]: row for row in rows}
    assert {"model", "system", "retries", "markdown"} <= set(shown)  # the keys, whole
    assert shown["model"][1] == "openai/gpt-4o-mini"
    system = shown["system"][1]
    assert system != SYSTEM and cut_or_whole(system, SYSTEM) and len(system) >= 12
    if columns == 80:
        assert headings == ["Key", "Value", "Source"]
        assert [shown[key][2] for key in ("model", "retries", "markdown")] == ["env SACLI_MODEL", "default", "not set"]
        source = shown["system"][2]  # a path: what is cut is its start
        assert source == f"{path}:1" or (source.startswith("…") and f"{path}:1".endswith(source[1:]))
        assert source.endswith("config.toml:1")
        assert not after_table(lines, columns)
    else:
        assert headings == ["Key", "Value"]
        assert after_table(lines, columns) == "sacli: Source left out: the terminal is too narrow"
