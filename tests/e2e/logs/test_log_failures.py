"""A log that cannot be written never costs the answer: stdout byte for byte as with --no-log, the
same exit code, and one warning line that says what to do."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import SACLI, run, sse

CHAT = "/api/v1/chat/completions"


@contextlib.contextmanager
def full_filesystem(where: Path) -> Iterator[Path]:
    """A directory on a tiny filesystem that is full (a tmpfs mounted there), or /dev/full's folder."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small tmpfs: {mounted.stderr.decode()}")
        pytest.skip("mounting a tmpfs needs privileges this machine does not give")
    try:
        with contextlib.suppress(OSError), open(where / "filler", "wb") as filler:
            while True:
                filler.write(b"x" * 4096)
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o400)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def make_log(path: Path, env: dict[str, str]) -> None:
    assert run("stream", "--log-db", str(path), "first", env=env).returncode == 0


@pytest.mark.parametrize("case", ["dev-full", "full-disk", "read-only", "corrupt", "newer-schema", "locked"])
def test_a_log_that_cannot_be_written_leaves_the_answer_and_exit_code_alone(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, case: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("the ", "answer"), content_type="text/event-stream")
    without = run("stream", "--no-log", "hi", env=api_env)
    path = tmp_path / "logs.db"
    holder = None
    with contextlib.ExitStack() as stack:
        if case == "dev-full":
            path = Path("/dev/full/logs.db")
        elif case == "full-disk":
            path = stack.enter_context(full_filesystem(tmp_path / "full")) / "logs.db"
        elif case == "read-only":
            make_log(path, api_env)
            stack.enter_context(read_only(path))
            stack.enter_context(read_only(tmp_path))
        elif case == "corrupt":
            path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
        elif case == "newer-schema":
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA user_version = 999")
        elif case == "locked":
            make_log(path, api_env)
            holder = subprocess.Popen(
                [
                    "python3", "-c",
                    "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
                    "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(30)",
                    str(path),
                ],
                stdout=subprocess.PIPE,
            )  # fmt: skip
            assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        before = path.read_bytes() if case in ("corrupt", "newer-schema") else None
        result = run("stream", "--log-db", str(path), "hi", env=api_env)
        if holder is not None:
            holder.kill()
            holder.wait()
    assert (result.returncode, result.stdout) == (without.returncode, without.stdout) == (0, b"the answer\n")
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sacli: warning: "), lines
    assert "the answer is not affected" in lines[0]
    if before is not None:
        assert path.read_bytes() == before  # never overwritten
    if case == "corrupt":
        assert f"mv {path} {path}.broken" in lines[0]


def test_sacli_logs_says_what_is_wrong_with_the_log(api_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    path.write_bytes(b"not a database" * 100)
    result = run("logs", "--log-db", str(path), env=api_env)
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"sacli: error: the log {path} is not a database sacli can read")
    assert SACLI


def test_json_in_a_hand_edited_row_past_the_bounds_is_shown_as_its_text(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    env = {**api_env, "SACLI_LOG_DB": str(tmp_path / "log.db")}
    assert run("stream", "hi", env=env).returncode == 0
    deep, nan = "[" * 30_000 + "]" * 30_000, '{"cost": NaN}'
    with sqlite3.connect(tmp_path / "log.db") as db:
        db.execute("UPDATE exchanges SET usage = ?, tool_calls = ?, messages = ?", (nan, deep, deep))
    db.close()
    for args in (["logs"], ["logs", "--json"], ["usage"]):
        result = run(*args, env=env)
        assert (result.returncode, result.stderr) == (0, b""), (args, result.stderr[-300:])
    (row,) = json.loads(run("logs", "--json", env=env).stdout)
    assert (row["usage"], row["tool_calls"]) == (nan, deep)  # kept as the text it is
    shown = run("logs", "show", row["id"], env=env)
    assert shown.returncode == 0 and b"Traceback" not in shown.stderr


def test_bytes_and_an_endless_number_in_a_hand_edited_row_come_out_as_json(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    env = {**api_env, "SACLI_LOG_DB": str(tmp_path / "log.db")}
    assert run("stream", "hi", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "log.db") as db:
        db.execute("UPDATE exchanges SET reply = ?, cost = ?", (b"caf\xe9 \xff", float("inf")))
    db.close()
    listed = run("logs", "--json", env=env)
    assert (listed.returncode, listed.stderr) == (0, b"")
    (row,) = json.loads(listed.stdout, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert (row["reply"], row["cost"]) == ("caf\ufffd \ufffd", None)
    for args in (["logs"], ["logs", "show", row["id"]], ["usage"]):
        result = run(*args, env=env)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, (args, result.stderr[-300:])
