"""Each setting is declared once: its flag, variable, default, bounds and help all come from
sacli.settings.declared, and what --help, sacli config show and the config file say agrees."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import pytest

from sacli.cli.optiongroup import OptionGroup
from sacli.cli.options import ChatOptions, ConnectionOptions, LogOptions, OutputOptions, SpendOptions
from sacli.settings.declared import DECLARED, SETTINGS, attribute_of
from sacli.settings.values import shown
from tests.support.helpers import run

PACKAGE = Path(__file__).resolve().parents[3] / "sacli"
GROUPS: tuple[type[OptionGroup], ...] = (ConnectionOptions, ChatOptions, OutputOptions, LogOptions, SpendOptions)


def test_every_setting_is_an_option_of_a_group_and_every_option_of_a_group_is_declared() -> None:
    attributes = {name for group in GROUPS for name in inspect.get_annotations(group)}
    assert {attribute_of(key) for key in SETTINGS} <= attributes
    assert attributes <= {attribute_of(key) for key in DECLARED}


def test_the_groups_hold_no_values_of_their_own() -> None:
    # A group only says which options go together: defaults come from the declarations.
    for group in GROUPS:
        assert set(vars(group)) & set(inspect.get_annotations(group)) == set()


def test_no_default_of_a_setting_is_written_anywhere_but_its_declaration() -> None:
    """The string defaults appear only in declared.py; no help text types a default by hand."""
    strings = {setting.default for setting in SETTINGS.values() if isinstance(setting.default, str)}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "declared.py":
            continue
        tree = ast.parse(path.read_text())
        constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        assert not strings & constants, f"{path} writes a setting's default"
        helps = [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "help"]
        typed = [text for help in helps for text in ast.walk(help) if isinstance(text, ast.Constant)]
        assert not any("[default:" in str(text.value) for text in typed), f"{path} types a default in a help text"


def test_the_limits_have_no_defaults_of_their_own() -> None:
    from sacli.api.limits import Limits

    assert Limits._field_defaults == {}


@pytest.fixture(scope="module")
def help_texts() -> dict[str, str]:
    env = {"COLUMNS": "1000", "PATH": "/usr/bin:/bin"}
    return {command: run(command, "--help", env=env).stdout.decode() for command in ("stream", "chat", "batch")}


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_help_shows_the_declared_default_and_config_show_the_same(
    key: str, help_texts: dict[str, str], env: dict[str, str]
) -> None:
    setting = SETTINGS[key]
    flag = setting.flags[0].split("/")[0]
    shown_default = f"[default: {shown(setting.default)}]"
    rows = {row["key"]: row for row in json.loads(run("config", "show", "--json", env=env).stdout)}
    for text in help_texts.values():
        line = next((line for line in text.splitlines() if re.search(rf"(^|\s){re.escape(flag)}\b", line)), None)
        if line is None:
            continue  # batch takes no output options
        entry = text[text.index(line) :].split("\n  -", 1)[0]
        if setting.default is None:
            assert "[default:" not in entry, entry
        else:
            assert shown_default in " ".join(entry.split()), entry
    if key == "headers":
        assert rows[key]["source"] == "not set"
        return
    assert rows[key]["value"] == setting.default
    assert rows[key]["source"] == ("default" if setting.default is not None else "not set")


def test_a_flag_and_a_config_value_are_refused_in_the_same_words(env: dict[str, str], tmp_path: Path) -> None:
    flag = run("stream", "--retries", "abc", "hi", env=env)
    (tmp_path / "config" / "sacli").mkdir(parents=True)
    (tmp_path / "config" / "sacli" / "config.toml").write_text('retries = "abc"\n')
    from_file = run("stream", "hi", env=env)
    assert flag.returncode == from_file.returncode == 2
    wanted = "must be a whole number from 0 to 100"
    assert wanted in flag.stderr.decode() and wanted in from_file.stderr.decode()
    assert "valid int range" not in flag.stderr.decode()
