"""Every option and argument that takes text takes UTF-8 text: a byte that is not UTF-8 (a surrogate
escape in Python's view of argv and the environment) is refused where it is parsed, naming it.

The only plain strings left are file names (any bytes a file system allows), the prompt (checked
word by word by sacli.chat.prompt) and -H (checked as HTTP asks by sacli.api.headers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer._click.exceptions import BadParameter
from typer._click.types import StringParamType

from sacli.cli.docgen.manpage import command_tree
from sacli.cli.optiongroup import TEXT, SettingValue

CHECKED_ELSEWHERE = {"prompt", "header"}
FILE_NAMES = {"FILE", "[FILE]", "FILE...", "[FILE]...", "PATH|URL", "SCHEMA"}


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name in getattr(command, "list_commands", lambda ctx: [])(None):
        yield from walk(command.get_command(None, name), (*path, name))


def test_no_text_option_or_argument_is_a_plain_string() -> None:
    plain = [
        (" ".join(path), param.name)
        for path, command in walk(command_tree())
        for param in command.params
        if isinstance(param.type, StringParamType)
        and param.name not in CHECKED_ELSEWHERE
        and param.metavar not in FILE_NAMES
    ]
    assert plain == []


@pytest.mark.parametrize(
    "checker", [TEXT, SettingValue("system"), SettingValue("param")], ids=["text", "system", "param"]
)
def test_a_byte_that_is_not_utf8_is_refused_where_it_is_parsed(checker: Any) -> None:
    assert checker.convert("café", None, None) == "café"
    with pytest.raises(BadParameter, match=r"must be UTF-8 text \(the byte 0xE9 at offset 3 is not\)"):
        checker.convert("caf\udce9", None, None)
