"""The local log's file: made private, versioned, upgraded, and never touched when it cannot be used."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sacli.store import logdb
from sacli.store.logquery import Filter, find, fts_query, new_id, prune, select


def row(**fields: object) -> dict[str, object]:
    return {"id": new_id(), "started_at": "2026-12-05T10:00:00.000Z", "status": "ok", **fields}


def test_the_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "logs.db"
    logdb.write_many(path, [row(prompt="hi")])
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == logdb.VERSION


def test_a_database_made_by_the_first_schema_opens_and_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    first = (Path(__file__).parent / "logs_v1.sql").read_text()  # the first schema, frozen as it shipped
    old = {
        "id": "01M0000000ABCDEF0000000000", "started_at": "2026-11-01T10:00:00.000Z", "duration_ms": 812.5,
        "first_token_ms": 90.0, "command": "stream", "host": "localhost", "model_asked": "openrouter/auto",
        "model": "lab/old", "generation_id": "gen-old", "session_id": None, "continued": 0, "system": None,
        "messages": '[{"role": "user", "content": "how do otters sleep"}]', "prompt": "how do otters sleep",
        "reply": "holding hands", "reasoning": None, "tool_calls": None, "finish_reason": "stop",
        "usage": '{"cost": 0.002}', "prompt_tokens": 5, "completion_tokens": 2, "cached_tokens": None,
        "reasoning_tokens": None, "cost": 0.002, "retries": 0, "retry_causes": None, "status": "ok", "error": None,
        "exit_code": 0, "sacli_version": "0.1.0", "tags": '["night"]', "cut": 0,
    }  # fmt: skip
    with sqlite3.connect(path) as connection:  # what the first sacli to log made and wrote
        connection.executescript(first)
        connection.execute("PRAGMA user_version = 1")
        connection.execute(
            f"INSERT INTO exchanges ({', '.join(old)}) VALUES ({', '.join('?' * len(old))})", list(old.values())
        )
        connection.execute("INSERT INTO exchange_tags (exchange_id, tag) VALUES (?, 'night')", (old["id"],))
    logdb.write_many(path, [row(prompt="new", cost_estimated=1, cache_status="HIT", citations="[]", refusal="no")])
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == logdb.VERSION == 5
        found = connection.execute(
            "SELECT prompt, cost_estimated, cache_status, request_key, refusal FROM exchanges ORDER BY rowid"
        ).fetchall()
    assert found[0] == ("how do otters sleep", None, None, None, None)
    assert found[1] == ("new", 1, "HIT", None, "no")
    (kept,) = select(path, Filter(search="otters"))  # the old row is still found, whole
    assert {name: kept[name] for name in old if name not in ("messages", "usage", "tags")} == {
        name: value for name, value in old.items() if name not in ("messages", "usage", "tags")
    }
    assert [r["id"] for r in select(path, Filter(tags=("night",)))] == [old["id"]]
    assert find(path, "01m0000000abcd")["reply"] == "holding hands"
    prune(path, "9999")  # deleting through the rebuilt index leaves it sound
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO exchanges_fts (exchanges_fts) VALUES ('integrity-check')")
        assert connection.execute("SELECT count(*) FROM exchange_tags").fetchone() == (0,)


def test_search_reaches_the_start_of_a_long_reply_and_the_index_stays_sound(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    long = "early " + "filler " * logdb.SEARCHED + "late"
    logdb.write_many(path, [row(prompt="p", reply=long)])
    assert len(select(path, Filter(search="early"))) == 1
    assert select(path, Filter(search="late")) == []  # past what the index holds
    prune(path, "9999")
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO exchanges_fts (exchanges_fts) VALUES ('integrity-check')")
        assert connection.execute(
            "SELECT count(*) FROM exchanges_fts WHERE exchanges_fts MATCH 'early'"
        ).fetchone() == (0,)


def test_a_newer_schema_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(logdb.LogUnavailable, match="written by a newer sacli"):
        logdb.write_many(path, [row()])
    assert path.read_bytes() == before


def test_a_corrupt_file_is_never_overwritten_and_the_message_says_how_to_move_it(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(logdb.LogUnavailable, match=r"move it aside \(mv .*logs.db .*logs.db.broken\)"):
        logdb.write_many(path, [row()])
    assert path.read_bytes() == b"not a database at all" * 100


def test_filters_search_and_shortened_ids(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    first = row(prompt="how do penguins swim", reply="with their wings", model="a/x", exit_code=0,
                tags=json.dumps(["ci", "night"]))  # fmt: skip
    second = row(prompt="and seals?", reply="with flippers", model="b/y", exit_code=5, tags=json.dumps(["ci"]))
    logdb.write_many(path, [first, second])
    assert [r["id"] for r in select(path, Filter(search="wings"))] == [first["id"]]
    assert [r["id"] for r in select(path, Filter(failed=True))] == [second["id"]]
    assert [r["id"] for r in select(path, Filter(tags=("ci", "night")))] == [first["id"]]
    assert [r["id"] for r in select(path, Filter(model="b/y"))] == [second["id"]]
    assert select(path, Filter(search='" OR 1')) == []  # the words are searched, not read as FTS syntax
    assert find(path, str(first["id"])[:20].lower())["prompt"] == "how do penguins swim"
    with pytest.raises(LookupError, match="more than one"):
        find(path, str(first["id"])[:4])
    assert prune(path, "2026-12-06") == 2
    assert select(path, Filter()) == []


def test_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_id(1_700_000_000 + n) for n in range(100)] + [new_id(1_700_000_000) for _ in range(100)]
    assert len(set(ids)) == 200
    in_order = [new_id(1), new_id(2), new_id(3)]
    assert in_order == sorted(in_order)
    assert fts_query('say "hi"') == '"say" """hi"""'


def test_a_read_only_log_is_not_written(tmp_path: Path) -> None:
    """A read-only log as root: the write fails with a message, and nothing changes."""
    path = tmp_path / "logs.db"
    logdb.write_many(path, [row()])
    if os.geteuid() == 0:
        pytest.importorskip("subprocess").run(["chattr", "+i", str(path)], check=False)
    else:
        path.chmod(0o400)
    try:
        with pytest.raises(logdb.LogUnavailable):
            logdb.write_many(path, [row()])
    finally:
        if os.geteuid() == 0:
            pytest.importorskip("subprocess").run(["chattr", "-i", str(path)], check=False)


SHARED_LOCKS = """
import fcntl, sys
with open(sys.argv[1], "r+b") as file:
    try:
        fcntl.lockf(file, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002, 0)  # SQLite's shared lock bytes
    except OSError:
        print("held")
    else:
        print("free")
"""


def test_a_write_leaves_the_locks_of_the_process_s_other_connections_alone(tmp_path: Path) -> None:
    """POSIX locks are a process's: closing any descriptor of the file drops all its connections' locks,
    and another process, seeing none, may take the WAL as the last one and delete it while they read."""
    path = tmp_path / "logs.db"
    logdb.write_many(path, [row()])

    def shared_locks() -> str:
        return subprocess.run([sys.executable, "-c", SHARED_LOCKS, str(path)], capture_output=True, text=True).stdout

    reader = sqlite3.connect(path, isolation_level=None)  # a batch's worker reading the spend, say
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM exchanges").fetchone() == (1,)
        assert shared_locks() == "held\n"
        logdb.write_many(path, [row()])  # another thread of the same process writes a row
        assert shared_locks() == "held\n"
    finally:
        reader.close()
    assert shared_locks() == "free\n"


def _write_one(path: Path, start: Any, errors: Any) -> None:
    start.wait()
    try:
        logdb.write_many(path, [row(prompt="at once")])
    except logdb.LogUnavailable as error:
        errors.put(str(error))


def test_processes_making_a_new_log_at_once_all_write(tmp_path: Path) -> None:
    """Sixteen processes finding no log, at the same moment, each with a row: SQLite answers the switch
    to WAL "locked" at once to some of them, with no busy wait, and they ask again."""
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(20):
        path = tmp_path / str(round_) / "logs.db"
        start = context.Barrier(16)
        processes = [context.Process(target=_write_one, args=(path, start, errors)) for _ in range(16)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [process.exitcode for process in processes] == [0] * 16
        assert errors.empty(), errors.get()
        assert len(select(path, Filter(limit=100))) == 16
