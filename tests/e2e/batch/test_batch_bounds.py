"""sacli batch with input it cannot use: each bad line gets its record and the others are answered;
an input or a --resume file that never ends a line is refused in bounded memory."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sacli.exitcodes import ExitCode
from tests.e2e.batch.test_batch import Answers, answers, lines_of, records  # noqa: F401  (answers: a fixture)
from tests.support.helpers import SACLI, run
from tests.support.peakmem import run_measured

MIB = 1024 * 1024


def test_bad_lines_get_records_of_their_own_and_the_good_ones_are_answered(
    answers: Answers,  # noqa: F811
    api_env: dict[str, str],
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        lines_of([{"id": "good-1", "prompt": "one"}])
        + b'{"id": "nan", "prompt": "x", "temperature": NaN}\n'
        + b'{"id": "deep", "prompt": "x", "messages": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n"
        + lines_of([{"id": "ref", "prompt": "x", "schema": {"$ref": "#/$defs/missing"}}])
        + lines_of([{"id": "far", "prompt": "x", "schema": {"$ref": "https://example.com/schema.json"}}])
        + b'{"id": "long", "prompt": "' + b"y" * (17 * MIB) + b'"}\n'
        + lines_of([{"id": "good-2", "prompt": "two"}])
    )  # fmt: skip
    result = run("batch", "--ordered", str(source), env=api_env)
    assert result.returncode == ExitCode.BATCH_FAILED, result.stderr
    found = {record["id"] or record["line"]: record for record in records(result.stdout)}
    assert found["good-1"]["text"] == "answer to one" and found["good-2"]["text"] == "answer to two"
    wanted = {
        2: "NaN is not a number JSON allows",  # a line that is not JSON has no id: its line number tells it
        3: "nested more than 64 deep",
        "ref": "does not resolve inside the schema",
        "far": "points outside the schema",
        6: "the line is longer than 16 MiB",
    }
    for key, message in wanted.items():
        assert message in found[key]["error"]["message"], found[key]
        assert found[key]["error"]["exit_code"] == ExitCode.USAGE
    assert sorted(answers.prompts) == ["one", "two"]  # nothing else was sent
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["/dev/zero"], ["--resume", "/dev/zero", "-"]], ids=["input", "resume"])
def test_a_file_that_never_ends_a_line_is_refused_in_bounded_memory(
    api_env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        status, peak_kib = run_measured([SACLI, "batch", *args], env=api_env, stdout=stdout, stderr=stderr, timeout=60)
    message = err.read_text().splitlines()[-1]
    assert status == ExitCode.USAGE, message
    assert "/dev/zero" in message or "the input" in message
    assert message.endswith(("MiB: it is not text of lines", "MiB: not a batch record")), message
    assert peak_kib / 1024 < 100, f"peak {peak_kib / 1024:.0f} MiB"
    # The endless line itself gets its record before the input is given up.
    assert [record["line"] for record in records(out.read_bytes())] == ([1] if args == ["/dev/zero"] else [])


def test_the_input_read_on_after_the_run_ended_is_read_in_bounded_memory(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    # The run ends (--timeout) with nearly all of a long input still to read: each item left gets its
    # "not started" record as it is read, no faster than the records are written.
    released = threading.Event()
    httpserver.expect_request("/api/v1/chat/completions").respond_with_handler(
        lambda request: (released.wait(60), Response("late", status=500))[1]
    )
    count = 150_000
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"prompt": "x"}\n' * count)
    out, err = tmp_path / "out", tmp_path / "err"
    try:
        with out.open("wb") as stdout, err.open("wb") as stderr:
            args = [SACLI, "batch", "-P", "1", "--timeout", "1", str(source)]
            status, peak_kib = run_measured(args, env=api_env, stdout=stdout, stderr=stderr, timeout=120)
    finally:
        released.set()
    assert status == ExitCode.TIMEOUT, err.read_text()[-500:]
    found = records(out.read_bytes())
    assert sorted(record["line"] for record in found) == list(range(1, count + 1))  # every item, once
    assert sum(record["error"]["message"].startswith("not started: ") for record in found) >= count - 1
    assert peak_kib / 1024 < 100, f"peak {peak_kib / 1024:.0f} MiB"
