"""sacli logs: the latest exchanges (TSV, JSON, a table on a terminal), one in full, its reply alone,
a recording of it, pruning; and following one up with --reply-to."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from sacli.store.logdb import write_many
from sacli.store.logquery import new_id
from tests.support.helpers import run, sse
from tests.support.screen import WIDTHS, show, table

CHAT = "/api/v1/chat/completions"


@pytest.fixture
def log_env(api_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**api_env, "XDG_DATA_HOME": str(tmp_path / "data"), "TZ": "UTC"}


def answered(httpserver: HTTPServer) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        bodies.append(request.get_json())
        prompt = bodies[-1]["messages"][-1]["content"]
        usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cost": 0.001}
        return Response(sse("echo: ", prompt, usage=usage), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(handler)
    return bodies


def test_the_list_in_a_pipe_and_as_json(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    answered(httpserver)
    for prompt in ("one", "two", "three"):
        assert run("stream", "-m", "a/model", prompt, env=log_env).returncode == 0
    listed = run("logs", "-n", "2", env=log_env)
    lines = [line.split("\t") for line in listed.stdout.decode().splitlines()]
    assert [(line[2], line[3], line[4], line[5], line[7], line[8]) for line in lines] == [
        ("test/model", "10", "2", "0.001", "0", "three"),
        ("test/model", "10", "2", "0.001", "0", "two"),
    ]
    as_json = json.loads(run("logs", "--json", env=log_env).stdout)
    assert [row["prompt"] for row in as_json] == ["three", "two", "one"]
    assert json.loads(run("logs", "--json", "-q", "nothing-like-it", env=log_env).stdout) == []


def test_filters(httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "data" / "sacli" / "logs.db"

    def row(when: str, **fields: Any) -> dict[str, Any]:
        return {"id": new_id(), "started_at": when, "status": "ok", "exit_code": 0, **fields}

    write_many(path, [
        row("2026-01-01T10:00:00.000Z", model="old/model", prompt="ancient"),
        row("2026-12-01T10:00:00.000Z", model="a/model", prompt="recent", session_id="s1", tags='["ci"]'),
        row("2026-12-02T10:00:00.000Z", model="b/model", prompt="failing", exit_code=5, status="error"),
    ])  # fmt: skip

    def prompts(*args: str) -> list[str]:
        result = run("logs", "--json", *args, env=log_env)
        assert result.returncode == 0, result.stderr
        return [r["prompt"] for r in json.loads(result.stdout)]

    assert prompts("--since", "2026-06-01") == ["failing", "recent"]
    assert prompts("--until", "2026-12-01T12:00:00Z") == ["recent", "ancient"]
    assert prompts("-m", "b/model") == ["failing"]
    assert prompts("--session", "s1") == ["recent"]
    assert prompts("--tag", "ci") == ["recent"]
    assert prompts("--failed") == ["failing"]
    assert prompts("--since", "1000w") == ["failing", "recent", "ancient"]
    bad = run("logs", "--since", "last tuesday", env=log_env)
    assert bad.returncode == ExitCode.USAGE
    assert "--since wants an age (30m, 2h, 7d, 4w) or a date" in bad.stderr.decode()


def test_show_reply_and_a_recording_that_replays(
    httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path
) -> None:
    answered(httpserver)
    first = run("stream", "--usage", "tell me", env=log_env)
    assert first.returncode == 0
    exchange_id = json.loads(run("logs", "--json", env=log_env).stdout)[0]["id"]
    short = exchange_id[:8].lower()
    fields = dict(line.split("\t", 1) for line in run("logs", "show", short, env=log_env).stdout.decode().splitlines())
    assert fields["id"] == exchange_id and fields["prompt"] == "tell me" and fields["exit_code"] == "0"
    assert run("logs", "show", short, "--reply", env=log_env).stdout == b"echo: tell me"
    assert json.loads(run("logs", "show", short, "--json", env=log_env).stdout)["reply"] == "echo: tell me"
    tape = tmp_path / "again.jsonl"
    assert run("logs", "show", short, "--replay-file", str(tape), env=log_env).returncode == 0
    replayed = run("stream", "--replay", str(tape), "--replay-speed", "0", "tell me", env=log_env)
    assert (replayed.returncode, replayed.stdout) == (0, first.stdout)
    missing = run("logs", "show", "ZZZZZZ", env=log_env)
    assert missing.returncode == ExitCode.USAGE and "no exchange ZZZZZZ in the log" in missing.stderr.decode()


def test_reply_to_sends_the_exchange_then_the_new_prompt(httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    bodies = answered(httpserver)
    assert run("stream", "-s", "be terse", "what is 2+2", env=log_env).returncode == 0
    exchange_id = json.loads(run("logs", "--json", env=log_env).stdout)[0]["id"]
    assert run("chat", "--reply-to", exchange_id[:10], "and 3+3?", env=log_env).returncode == 0
    assert bodies[-1]["messages"] == [
        {"role": "system", "content": "be terse"},
        {"role": "user", "content": "what is 2+2"},
        {"role": "assistant", "content": "echo: what is 2+2"},
        {"role": "user", "content": "and 3+3?"},
    ]
    with_session = run("stream", "--reply-to", exchange_id, "--session", "s", "x", env=log_env)
    assert with_session.returncode == ExitCode.USAGE


def test_prune_and_path(httpserver: HTTPServer, log_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "data" / "sacli" / "logs.db"
    old = {"id": new_id(0), "started_at": "2020-01-01T00:00:00.000Z", "status": "ok"}
    write_many(path, [old, {"id": new_id(), "started_at": "2026-12-05T00:00:00.000Z", "status": "ok"}])
    assert run("logs", "path", env=log_env).stdout.decode().strip() == str(path)
    refused = run("logs", "prune", "--older-than", "90d", env=log_env)
    assert refused.returncode == ExitCode.USAGE and b"pass --yes" in refused.stderr
    pruned = run("logs", "prune", "--older-than", "90d", "--yes", env=log_env)
    assert (pruned.returncode, pruned.stdout) == (0, b"1\n")
    assert len(json.loads(run("logs", "--json", env=log_env).stdout)) == 1


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_table_on_a_terminal(columns: int, httpserver: HTTPServer, log_env: dict[str, str]) -> None:
    answered(httpserver)
    prompt = "a question long enough to be cut on any terminal this table is drawn on, for sure"
    assert run("stream", "-m", "some-lab/a-model", prompt, env=log_env).returncode == 0
    screen = show("logs", env=log_env, columns=columns)
    lines = screen.scrollback
    assert all(len(line) <= columns for line in lines)
    rows = table(lines)
    headings = rows[0]
    assert headings[:2] == ["ID", "When"] and headings[-1] == "Prompt"
    cells = dict(zip(headings, rows[1], strict=True))
    assert cells["When"] == "just now" and cells["Prompt"].startswith("a question") and cells["Prompt"].endswith("…")
    left_out = [h for h in ["Model", "Cost", "Exit", "Tokens", "Took"] if h not in headings]
    if left_out:
        bottom = next(n for n, line in enumerate(lines) if line.startswith("└"))
        notice = " ".join(line.strip() for line in lines[bottom + 1 :] if line.strip())  # folded between words
        assert notice == f"sacli: {', '.join(left_out)} left out: the terminal is too narrow"
    if columns == 80:
        assert cells["Model"] == "test/model" and cells["Cost"] == "$0.001" and cells["Exit"] == "0"


@pytest.mark.parametrize("columns", WIDTHS)
def test_an_estimated_cost_is_marked_in_the_table(columns: int, log_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "data" / "sacli" / "logs.db"
    write_many(path, [
        {"id": new_id(), "started_at": "2026-12-01T10:00:00.000Z", "status": "ok", "exit_code": 0,
         "model": "a/m", "prompt": "reported", "cost": 0.25, "cost_estimated": 0},
        {"id": new_id(), "started_at": "2026-12-02T10:00:00.000Z", "status": "limit", "exit_code": 11,
         "model": "a/m", "prompt": "worked out", "cost": 0.0042, "cost_estimated": 1},
    ])  # fmt: skip
    lines = show("logs", env=log_env, columns=columns).scrollback
    rows = table(lines)
    notes = " ".join(line.strip() for line in lines[next(n for n, line in enumerate(lines) if line.startswith("└")) :])
    if "Cost" in rows[0]:
        costs = {row[-1]: row[rows[0].index("Cost")] for row in rows[1:]}
        assert costs == {"worked out": "$0.0042*", "reported": "$0.25"}
        assert "sacli: * a cost sacli estimated from tokens at the model's prices" in notes
    else:  # no column to mark, no note about it
        assert "estimated" not in notes
    piped = run("logs", env=log_env).stdout.decode().splitlines()
    assert [line.split("\t")[5] for line in piped] == ["0.0042", "0.25"]  # numbers for programs, as logged


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_on_a_terminal_wraps_each_value_whole(
    columns: int, httpserver: HTTPServer, log_env: dict[str, str]
) -> None:
    answered(httpserver)
    prompt = "a question long enough to be wrapped on any terminal this view is drawn on, for sure"
    assert run("stream", "-m", "some-lab/a-model", prompt, env=log_env).returncode == 0
    exchange = json.loads(run("logs", "--json", env=log_env).stdout)[0]
    lines = show("logs", "show", exchange["id"][:8], env=log_env, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Field", "Value"]
    fields: dict[str, list[str]] = {}
    for name, value in rows:
        fields.setdefault(name or list(fields)[-1], []).append(value)
    assert list(fields)[:3] == ["id", "started_at", "command"]
    assert "".join(fields["id"]) == exchange["id"] and fields["model_asked"] == ["some-lab/a-model"]
    assert " ".join(fields["prompt"]) == prompt  # wrapped between words, never cut
    assert " ".join(fields["reply"]) == "echo: " + prompt
    assert "…" not in "\n".join(lines)


def test_the_readmes_short_id_names_one_of_two_exchanges_logged_in_the_same_second(
    log_env: dict[str, str], tmp_path: Path
) -> None:
    from sacli.cli.docgen import README

    (width,) = {int(n) for n in re.findall(r'sacli logs show "\$\{ID:0:(\d+)\}"', README.read_text())}
    path = tmp_path / "data" / "sacli" / "logs.db"
    at = 1_796_000_000.5  # two batch items, a millisecond apart
    ids = [new_id(at), new_id(at + 0.001)]
    write_many(path, [
        {"id": id_, "started_at": "2026-12-01T10:00:00.000Z", "status": "ok", "exit_code": 0, "prompt": f"p{n}"}
        for n, id_ in enumerate(ids)
    ])  # fmt: skip
    for id_ in ids:
        shown = run("logs", "show", id_[:width], "--json", env=log_env)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["id"] == id_
