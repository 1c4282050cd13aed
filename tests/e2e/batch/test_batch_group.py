"""sacli batch [OPTIONS] [FILE] answers prompts and sacli batch summary [FILE]... compares records:
"summary" is the one first word that names a command, every other (an option, a file, "run", "-")
stays batch's, its --help is batch's own with summary listed, and TAB offers both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sacli.exitcodes import ExitCode
from tests.e2e.batch.test_batch import Answers, answers, lines_of, numbered  # noqa: F401  (a fixture)
from tests.support.helpers import run
from tests.support.schemas import batch_records


@pytest.mark.parametrize(
    "args",
    [["./summary"], ["--", "summary"], ["-P", "2", "summary"], ["run"]],
    ids=["./summary", "-- summary", "options first", "run"],
)
def test_every_first_word_but_summary_is_the_input_as_it_always_was(
    args: list[str],
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    name = args[-1].removeprefix("./")
    (tmp_path / name).write_bytes(lines_of(numbered(3)))
    result = run("batch", "--ordered", *args, env=api_env, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, b""), result.stderr
    assert [r["id"] for r in batch_records(result.stdout)] == ["item-0", "item-1", "item-2"]
    assert sorted(answers.prompts) == ["prompt 0", "prompt 1", "prompt 2"]


def test_stdin_with_no_word_at_all_is_still_the_input(answers: Answers, api_env: dict[str, str]) -> None:  # noqa: F811
    result = run("batch", env=api_env, input=lines_of(numbered(2)))
    assert (result.returncode, len(batch_records(result.stdout))) == (0, 2)
    dashed = run("batch", "-", env=api_env, input=lines_of(numbered(2)))
    assert (dashed.returncode, len(batch_records(dashed.stdout))) == (0, 2)


def test_batch_summary_summarises_the_records_it_is_given(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    written = run("batch", env=api_env, input=lines_of(numbered(4)))
    records = tmp_path / "answers.jsonl"
    records.write_bytes(written.stdout)
    asked = len(answers.prompts)
    summary = run("batch", "summary", "--json", str(records), env=api_env)
    assert (summary.returncode, summary.stderr) == (0, b"")
    (model,) = json.loads(summary.stdout)["models"]
    assert (model["items"], model["ok"], model["failed"]) == (4, 4, 0)
    assert len(answers.prompts) == asked  # a summary asks the server nothing
    piped = run("batch", "summary", env=api_env, input=written.stdout)
    assert piped.returncode == 0 and piped.stdout.count(b"\n") == 1 and b"\x1b" not in piped.stdout


def test_the_old_top_level_summary_is_refused_naming_the_command(api_env: dict[str, str], tmp_path: Path) -> None:
    result = run("summary", str(tmp_path / "answers.jsonl"), env=api_env)
    assert result.returncode == ExitCode.USAGE and result.stdout == b""
    assert result.stderr.decode() == (
        "sacli: error: no such command 'summary'. Did you mean 'sacli batch summary'? (see 'sacli --help')\n"
    )


def test_batch_help_is_batchs_own_with_summary_listed(env: dict[str, str]) -> None:
    result = run("batch", "--help", env={**env, "COLUMNS": "200"})
    assert result.returncode == 0 and result.stderr == b""
    out = result.stdout.decode()
    assert out.splitlines()[0] == "Usage: sacli batch [OPTIONS] [FILE]"
    assert "--parallel" in out and "--resume-missing-ok" in out
    commands = out.split("\nCommands:\n", 1)[1]
    assert [line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line[2] != " "] == [
        "summary"
    ]
    assert "\n  run " not in out  # the default command's name is nobody's to type
    own = run("batch", "summary", "--help", env={**env, "COLUMNS": "200"}).stdout.decode()
    assert own.splitlines()[0] == "Usage: sacli batch summary [OPTIONS] [FILE]..."


def test_a_bad_option_of_batch_points_at_batch_help(env: dict[str, str]) -> None:
    result = run("batch", "--no-such-option", env=env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().endswith("(see 'sacli batch --help')\n")
    summary = run("batch", "summary", "--no-such-option", env=env)
    assert summary.returncode == ExitCode.USAGE
    assert summary.stderr.decode().endswith("(see 'sacli batch summary --help')\n")


def complete(line: str, env: dict[str, str]) -> list[str]:
    """What sacli answers bash's completion function for the line (its last word the one completed)."""
    words = line.split(" ")
    protocol = {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1), "_SACLI_COMPLETE": "complete_bash"}
    result = run(env={**env, **protocol})
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().split()


def test_tab_offers_summary_and_every_option_of_batch(env: dict[str, str]) -> None:
    assert complete("sacli batch ", env) == ["summary"]
    assert complete("sacli batch su", env) == ["summary"]
    assert complete("sacli batch pro", env) == []  # the shell's own file names then
    assert set(complete("sacli batch --pa", env)) == {"--parallel", "--param"}
    assert complete("sacli batch -P 2 --or", env) == ["--ordered"]
    assert complete("sacli batch summary --j", env) == ["--json"]
