"""``sacli`` alone, and a command group alone, show that group's help on stderr and end as a usage
error (exit 2), on a terminal and in a pipe alike; stdout stays empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import run
from tests.support.terminal import Terminal

GROUPS = {
    (): ("stream", "chat", "batch", "sessions", "upload", "files", "facts", "memory", "models", "examples", "config"),
    ("sessions",): ("list", "create", "show", "rename", "delete"),
    ("files",): ("list", "delete"),
    ("facts",): ("list", "add", "search", "update", "delete"),
    ("memory",): ("stats", "timeline", "storage", "access"),
    ("examples",): ("list", "path"),
    ("config",): ("show", "path"),
}


def how_to_go_on(group: tuple[str, ...]) -> str:
    path = " ".join(("sacli", *group))
    given = f" to '{path}'" if group else ""
    return f"sacli: error: no command given{given} (run '{path} COMMAND --help' for one command's options)"


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: " ".join(g) or "sacli")
def test_in_a_pipe_the_help_goes_to_stderr_with_how_to_go_on(group: tuple[str, ...], env: dict[str, str]) -> None:
    result = run(*group, env=env)
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == b""
    shown = result.stderr.decode()
    assert shown.startswith(f"Usage: {' '.join(('sacli', *group))} [OPTIONS] COMMAND [ARGS]...")
    commands = shown.split("\nCommands:\n", 1)[1]
    for name in GROUPS[group]:
        assert f"\n  {name} " in "\n" + commands, name
    assert shown.splitlines()[-1] == how_to_go_on(group)
    assert "Traceback" not in shown


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: " ".join(g) or "sacli")
def test_on_a_terminal_the_help_is_shown_and_stdout_stays_empty(
    group: tuple[str, ...], env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    stdout = tmp_path / "stdout.txt"
    terminal = Terminal(*group, env=env, stdout_path=str(stdout))
    terminals.append(terminal)
    assert terminal.exit_code() == ExitCode.USAGE
    shown = terminal.output.decode().replace("\r\n", "\n")
    assert "Commands:\n" in shown
    for name in GROUPS[group]:
        assert f"\n  {name} " in shown, name
    assert shown.rstrip("\n").splitlines()[-1] == how_to_go_on(group)
    assert stdout.read_bytes() == b""


def test_asking_for_the_help_still_writes_it_to_stdout_and_exits_0(env: dict[str, str]) -> None:
    for group in GROUPS:
        result = run(*group, "--help", env=env)
        assert (result.returncode, result.stderr) == (0, b""), group
        assert result.stdout.startswith(b"Usage: "), group


LISTS_ALONE = ("models", "logs")  # groups that list when no command is named (the README says so)
RUNS_ALONE = ("batch",)  # a group whose unnamed command is the command itself: batch reads stdin


def test_every_group_alone_is_its_help_or_its_documented_list(api_env: dict[str, str], httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json({"data": [{"id": "lab/m"}]})
    shown = run("--help", env=api_env).stdout.decode()
    commands = [line.split()[0] for line in shown.split("\nCommands:\n", 1)[1].splitlines() if line[2:3].isalpha()]
    groups = {name for name in commands if "\nCommands:\n" in run(name, "--help", env=api_env).stdout.decode()}
    assert groups == {group[0] for group in GROUPS if group} | set(LISTS_ALONE) | set(RUNS_ALONE)
    readme_text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert all(f"`sacli {name}` alone is the" in " ".join(readme_text.split()) for name in RUNS_ALONE)
    readme = " ".join((Path(__file__).resolve().parents[3] / "README.md").read_text().split())
    alone = readme.split("`sacli` alone, or a command group alone (", 1)[1].split(")", 1)[0]
    assert sorted(alone.replace("sacli ", "").replace("`", "").split(", ")) == sorted(g[0] for g in GROUPS if g)
    for name in LISTS_ALONE:
        assert f"`sacli {name}` alone" in readme, name
        listed = run(name, env=api_env)
        assert listed.returncode == 0 and b"Commands:" not in listed.stdout + listed.stderr, listed.stderr
    assert run("models", env=api_env).stdout.startswith(b"lab/m\t")
