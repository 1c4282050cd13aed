"""Which record is which item's: --resume checks the file it is given, repeated ids and lines without
an id each keep a record of their own, and a line's attach files are found beside the input file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.e2e.batch.test_batch import CHAT, Answers, answers, lines_of, numbered  # noqa: F401  (a fixture)
from tests.support.helpers import SACLI, run
from tests.support.schemas import batch_records


def test_a_missing_resume_file_is_a_usage_error_unless_missing_ok(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    missing = tmp_path / "answers.jsonl"
    result = run("batch", "--resume", str(missing), env=api_env, input=lines_of(numbered(2)))
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode() == (
        f"sacli: error: --resume {missing}: no such file "
        "(--resume-missing-ok starts afresh when it does not exist yet)\n"
    )
    assert answers.prompts == []
    fresh = run("batch", "--resume", str(missing), "--resume-missing-ok", env=api_env, input=lines_of(numbered(2)))
    assert (fresh.returncode, len(batch_records(fresh.stdout))) == (0, 2)


def test_the_prompts_file_given_as_resume_is_refused_naming_its_first_line(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_bytes(b"\n" + lines_of(numbered(3)))
    result = run("batch", "--resume", str(prompts), str(prompts), env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(
        f'sacli: error: --resume {prompts}: line 2 is not a batch record (a JSON object with "id" and "status" or '
        '"error") (--resume takes the output of an earlier sacli batch'
    )
    assert answers.prompts == []


def test_records_of_another_run_are_warned_about_once(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_bytes(
        lines_of(
            [
                {"id": "ticket-9", "line": 1, "text": "x", "error": None, "status": "ok"},
                {"id": "item-1", "text": "y", "error": None},  # an older record: no status, no line
                {"id": "ticket-10", "text": None, "error": {"message": "m", "exit_code": 6}},
            ]
        )
    )
    result = run("batch", "--resume", str(other), env=api_env, input=lines_of(numbered(3)))
    assert result.returncode == 0
    assert result.stderr.decode() == (
        f'sacli: warning: 2 records in --resume {other} have no item in the input (e.g. id "ticket-9"): '
        "is it another run's output?\n"
    )
    assert sorted(answers.prompts) == ["prompt 0", "prompt 2"]


def test_repeated_ids_get_records_of_their_own_and_resume_each(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    handler = Answers()
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    prompts = ["one", "two", "fail", "three", "four"]
    source.write_bytes(lines_of([{"id": i, "prompt": p} for i, p in zip("abaca", prompts, strict=True)]))
    first = run("batch", "--ordered", str(source), env=api_env)
    assert first.returncode == ExitCode.BATCH_FAILED
    assert first.stderr.decode().splitlines()[0] == (
        'sacli: warning: 2 input lines repeat an id seen before (the first: "a" on line 3); '
        'their records carry "dup": 2, 3, ... beside the id'
    )
    found = batch_records(first.stdout)
    assert [(r["id"], r["line"], r.get("dup")) for r in found] == [
        ("a", 1, None), ("b", 2, None), ("a", 3, 2), ("c", 4, None), ("a", 5, 3),
    ]  # fmt: skip
    assert [r["status"] for r in found] == ["ok", "ok", "error", "ok", "ok"]
    out.write_bytes(first.stdout)
    handler.prompts.clear()
    again = run("batch", "--resume", str(out), str(source), env=api_env)
    assert handler.prompts == ["fail"]  # the second "a" alone
    (record,) = batch_records(again.stdout)
    assert (record["id"], record["dup"]) == ("a", 2)


def test_a_number_id_and_a_line_number_are_never_taken_for_each_other(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(lines_of([{"id": 3, "prompt": "x"}, {"prompt": "y"}, {"prompt": "fail"}]))
    first = run("batch", "--ordered", str(source), env=api_env)
    assert [(r["id"], r["line"], r["status"]) for r in batch_records(first.stdout)] == [
        (3, 1, "ok"), (None, 2, "ok"), (None, 3, "error"),
    ]  # fmt: skip
    out.write_bytes(first.stdout)
    answers.prompts.clear()
    run("batch", "--resume", str(out), str(source), env=api_env)
    assert answers.prompts == ["fail"]  # line 3 is not id 3


def test_attach_files_are_found_beside_the_input_file(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(Answers())
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.md").write_text("beside the input\n")
    (tmp_path / "notes.md").write_text("in the working directory\n")
    line = [{"id": "n", "prompt": "look", "attach": ["notes.md"]}]
    (folder / "in.jsonl").write_bytes(lines_of(line))
    from_file = subprocess.run(
        [SACLI, "batch", "work/in.jsonl"], capture_output=True, env=api_env, cwd=tmp_path, timeout=60
    )  # fmt: skip
    from_stdin = subprocess.run(
        [SACLI, "batch"], input=lines_of(line), capture_output=True, env=api_env, cwd=tmp_path, timeout=60
    )  # fmt: skip
    assert from_file.returncode == from_stdin.returncode == 0
    sent = [request.get_json()["messages"][-1]["content"][1]["text"] for request, _ in httpserver.log]
    assert sent == ["notes.md:\n\nbeside the input\n", "notes.md:\n\nin the working directory\n"]


@pytest.mark.parametrize("value", [1.5, True, None, [1], {"a": 1}])
def test_an_id_that_is_not_a_string_or_a_whole_number_fails_its_line(
    value: Any,
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
) -> None:
    result = run("batch", env=api_env, input=json.dumps({"id": value, "prompt": "x"}).encode() + b"\n")
    (record,) = batch_records(result.stdout)
    assert (record["id"], record["line"], record["exit_code"]) == (None, 1, ExitCode.USAGE)
    assert record["error"]["message"] == 'line 1: "id" must be a string or a whole number'
    assert answers.prompts == []


def test_one_repeated_id_and_one_foreign_record_are_said_in_the_singular(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_bytes(lines_of([{"id": "ticket-9", "line": 1, "text": "x", "error": None, "status": "ok"}]))
    items = lines_of([{"id": "a", "prompt": "one"}, {"id": "a", "prompt": "two"}])
    result = run("batch", "--resume", str(other), env=api_env, input=items)
    assert result.returncode == 0
    assert result.stderr.decode().splitlines() == [
        'sacli: warning: 1 input line repeats an id seen before (the first: "a" on line 2); '
        'its record carries "dup": 2, 3, ... beside the id',
        f'sacli: warning: 1 record in --resume {other} has no item in the input (e.g. id "ticket-9"): '
        "is it another run's output?",
    ]
