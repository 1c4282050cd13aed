"""sacli facts end to end: the installed command against a local Memory API that holds facts.

The server keeps its facts in memory and answers the way the reference describes: envelopes
``{success, data[, pagination]}``, pages of ``limit`` from ``offset``, ``hasMore`` while there
are more, a 404 for a fact it does not hold. Each command is run in a pipe (tab-separated
lines), on a pseudo-terminal (a table) and with --json.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SUPER_AGENT_KEY, run
from tests.support.terminal import Terminal

FACTS = "/api/memory/facts"
CREATED = "2025-01-15T10:30:00Z"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FactStore:
    """A Memory API's facts: what the requests did to them, and what each request was."""

    def __init__(self, facts: list[dict[str, Any]] | None = None, *, update_method: str = "PUT") -> None:
        self.facts: dict[str, dict[str, Any]] = {f["id"]: f for f in facts or []}
        self.update_method = update_method  # the one method that updates a fact; the other is a 405
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []  # method, path, query, body

    def __call__(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        self.requests.append((request.method, request.path, dict(request.args), body))
        if request.headers.get("superAgentKey") != SUPER_AGENT_KEY:
            return reply({"success": False, "error": "Unauthorized"}, 401)
        if request.path == FACTS and request.method == "GET":
            return self.list(request)
        if request.path == FACTS and request.method == "POST":
            fact = {
                "id": f"fact-{uuid.uuid4()}",
                "userId": "user-123",
                "category": None,
                "source": "api",
                "level": "user",
                **body,
                "createdAt": CREATED,
                "updatedAt": CREATED,
                "accessCount": 0,
            }
            self.facts[fact["id"]] = fact
            return reply({"success": True, "data": fact}, 201)
        if request.path == f"{FACTS}/search" and request.method == "POST":
            words = set(body["query"].lower().split())
            scored = [
                {**fact, "score": round(len(words & set(fact["content"].lower().split())) / len(words), 2)}
                for fact in self.facts.values()
            ]
            found = sorted((f for f in scored if f["score"] >= body["threshold"]), key=lambda f: -f["score"])
            return reply({"success": True, "data": found[: body["topK"]]})
        fact_id = request.path.removeprefix(FACTS + "/")
        if fact_id not in self.facts:
            return reply({"success": False, "error": "Fact not found"}, 404)
        if request.method == self.update_method:
            self.facts[fact_id] = {**self.facts[fact_id], **body, "updatedAt": "2025-02-01T00:00:00Z"}
            return reply({"success": True, "data": self.facts[fact_id]})
        if request.method == "DELETE":
            del self.facts[fact_id]
            return reply({"success": True})
        return reply({"success": False, "error": "Method not allowed"}, 405)

    def list(self, request: Request) -> Response:
        limit, offset = int(request.args.get("limit", 20)), int(request.args.get("offset", 0))
        chosen = [
            fact
            for fact in self.facts.values()
            if all(request.args.get(key) in (None, fact.get(key)) for key in ("category", "level"))
        ]
        page = chosen[offset : offset + limit]
        pagination = {"total": len(chosen), "limit": limit, "offset": offset, "hasMore": offset + limit < len(chosen)}
        return reply({"success": True, "data": page, "pagination": pagination})


def reply(document: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")


def fact(number: int, content: str, category: str | None = "preference", level: str = "user") -> dict[str, Any]:
    return {
        "id": f"fact-{number}",
        "userId": "user-123",
        "content": content,
        "category": category,
        "source": "api",
        "level": level,
        "vectorId": f"vec-{number}",
        "createdAt": CREATED,
        "updatedAt": CREATED,
        "accessCount": number,
    }


F1 = fact(1, "Prefers dark mode")
F2 = fact(2, "Works in Python", category="work")
F3 = fact(3, "Lives in Lisbon", category=None, level="session")


@pytest.fixture
def store(httpserver: HTTPServer) -> Iterator[FactStore]:
    facts = FactStore([F1, F2, F3])
    httpserver.expect_request(re.compile(f"^{FACTS}(/.*)?$")).respond_with_handler(facts)
    yield facts


@pytest.fixture
def tty_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm", "NO_COLOR": "1"}


def on_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    terminal = Terminal(*args, env=env, columns=120)
    try:
        code = terminal.exit_code()
    finally:
        terminal.close()
    return code, ANSI.sub("", terminal.output.decode())


def lines(result: Any) -> list[list[str]]:
    return [line.split("\t") for line in result.stdout.decode().splitlines()]


# list


def test_list_in_a_pipe_writes_one_tab_separated_line_per_fact(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "list", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert lines(result) == [
        ["fact-1", "Prefers dark mode", "preference", "user", CREATED],
        ["fact-2", "Works in Python", "work", "user", CREATED],
        ["fact-3", "Lives in Lisbon", "", "session", CREATED],
    ]
    assert store.requests == [("GET", FACTS, {"limit": "50", "offset": "0"}, None)]


def test_list_json_is_one_array_of_the_api_objects(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "list", "--json", env=api_env)
    assert result.returncode == 0
    assert json.loads(result.stdout) == [F1, F2, F3]
    assert result.stdout.count(b"\n") == 1


def test_list_on_a_terminal_is_a_table(store: FactStore, tty_env: dict[str, str]) -> None:
    code, shown = on_terminal("facts", "list", env=tty_env)
    assert code == 0
    header = next(line for line in shown.splitlines() if "Content" in line)
    assert all(word in header for word in ("ID", "Content", "Category", "Level", "Created"))
    for record in (F1, F2, F3):
        row = next(line for line in shown.splitlines() if record["id"] in line)
        assert record["content"] in row and record["level"] in row
    assert "\t" not in shown


def test_list_follows_the_pages_until_the_limit(store: FactStore, api_env: dict[str, str]) -> None:
    store.facts.update((f["id"], f) for f in (fact(n, f"fact number {n}") for n in range(4, 251)))
    result = run("facts", "list", "--limit", "230", env=api_env)
    assert result.returncode == 0
    ids = [row[0] for row in lines(result)]
    assert ids == [f"fact-{n}" for n in range(1, 231)]
    assert [query for _, _, query, _ in store.requests] == [
        {"limit": "100", "offset": "0"},
        {"limit": "100", "offset": "100"},
        {"limit": "30", "offset": "200"},
    ]


def test_list_stops_when_the_server_says_there_is_no_more(store: FactStore, api_env: dict[str, str]) -> None:
    store.facts.update((f["id"], f) for f in (fact(n, f"fact number {n}") for n in range(4, 121)))
    result = run("facts", "list", "--limit", "1000", "--json", env=api_env)
    assert len(json.loads(result.stdout)) == 120
    assert [query["offset"] for _, _, query, _ in store.requests] == ["0", "100"]


def test_list_passes_category_and_level_as_filters(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "list", "--category", "work", "--level", "user", env=api_env)
    assert [row[0] for row in lines(result)] == ["fact-2"]
    assert store.requests[0][2] == {"limit": "50", "offset": "0", "category": "work", "level": "user"}


def test_an_empty_list_is_nothing_in_a_pipe_and_an_empty_array_with_json(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    empty = FactStore()
    httpserver.expect_request(FACTS).respond_with_handler(empty)
    text = run("facts", "list", env=api_env)
    assert (text.returncode, text.stdout, text.stderr) == (0, b"", b"")
    as_json = run("facts", "list", "--json", env=api_env)
    assert (as_json.returncode, as_json.stdout) == (0, b"[]\n")


def test_a_level_that_is_neither_user_nor_session_is_refused_before_sending(
    store: FactStore, api_env: dict[str, str]
) -> None:
    result = run("facts", "list", "--level", "team", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.startswith(b"sacli: error: --level must be user or session")
    assert store.requests == []


# add


def test_add_sends_the_fact_and_prints_only_its_new_id(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "add", "Prefers short answers", "--category", "preference", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    new_id = result.stdout.decode().strip()
    assert re.fullmatch(r"fact-[0-9a-f-]{36}", new_id)
    assert store.requests == [
        ("POST", FACTS, {}, {"content": "Prefers short answers", "source": "api", "category": "preference"})
    ]
    assert store.facts[new_id]["content"] == "Prefers short answers"


def test_add_json_prints_the_api_object(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "add", "Likes tea", "--level", "session", "--json", env=api_env)
    document = json.loads(result.stdout)
    assert document == store.facts[document["id"]]
    assert (document["content"], document["level"]) == ("Likes tea", "session")


def test_add_on_a_terminal_prints_only_the_id_too(store: FactStore, tty_env: dict[str, str]) -> None:
    code, shown = on_terminal("facts", "add", "Likes tea", env=tty_env)
    assert code == 0
    assert re.fullmatch(r"fact-[0-9a-f-]{36}", shown.strip())


def test_an_empty_fact_is_refused_before_sending(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "add", "  ", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert store.requests == []


# search


def test_search_sends_query_top_k_and_threshold_and_prints_scores(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "search", "dark mode please", "--top-k", "3", "--threshold", "0.3", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert lines(result) == [["fact-1", "0.67", "Prefers dark mode", "preference"]]
    assert store.requests == [
        ("POST", f"{FACTS}/search", {}, {"query": "dark mode please", "topK": 3, "threshold": 0.3})
    ]


def test_search_defaults_to_five_results_above_0_7(store: FactStore, api_env: dict[str, str]) -> None:
    run("facts", "search", "python", env=api_env)
    assert store.requests[0][3] == {"query": "python", "topK": 5, "threshold": 0.7}


def test_search_json_is_one_array_with_the_scores(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "search", "in", "--threshold", "0.5", "--json", env=api_env)
    found = json.loads(result.stdout)
    assert [(f["id"], f["score"]) for f in found] == [("fact-2", 1.0), ("fact-3", 1.0)]


def test_search_on_a_terminal_is_a_table_with_scores(store: FactStore, tty_env: dict[str, str]) -> None:
    code, shown = on_terminal("facts", "search", "dark mode", env=tty_env)
    assert code == 0
    assert "Score" in shown
    row = next(line for line in shown.splitlines() if "fact-1" in line)
    assert "1.00" in row and "Prefers dark mode" in row


def test_a_search_that_finds_nothing_is_nothing_or_an_empty_array(store: FactStore, api_env: dict[str, str]) -> None:
    text = run("facts", "search", "quantum", env=api_env)
    assert (text.returncode, text.stdout) == (0, b"")
    assert run("facts", "search", "quantum", "--json", env=api_env).stdout == b"[]\n"


# update


def test_update_puts_the_new_content_and_prints_the_fact(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "update", "fact-2", "Works in Rust", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert lines(result) == [["fact-2", "Works in Rust", "work", "user", CREATED]]
    assert store.requests == [("PUT", f"{FACTS}/fact-2", {}, {"content": "Works in Rust"})]
    assert store.facts["fact-2"]["content"] == "Works in Rust"


def test_update_falls_back_to_patch_when_put_is_not_allowed(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    store = FactStore([F1, F2, F3], update_method="PATCH")
    httpserver.expect_request(re.compile(f"^{FACTS}(/.*)?$")).respond_with_handler(store)
    result = run("facts", "update", "fact-2", "Works in Rust", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert lines(result) == [["fact-2", "Works in Rust", "work", "user", CREATED]]
    body = {"content": "Works in Rust"}
    assert store.requests == [("PUT", f"{FACTS}/fact-2", {}, body), ("PATCH", f"{FACTS}/fact-2", {}, body)]


def test_update_json_prints_the_api_object(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "update", "fact-1", "Prefers light mode", "--json", env=api_env)
    assert json.loads(result.stdout) == store.facts["fact-1"]


def test_update_on_a_terminal_is_a_table(store: FactStore, tty_env: dict[str, str]) -> None:
    code, shown = on_terminal("facts", "update", "fact-1", "Prefers light mode", env=tty_env)
    assert code == 0
    assert "Content" in shown and "Prefers light mode" in shown


def test_update_of_a_missing_fact_names_it_and_exits_5(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "update", "fact-99", "anything", env=api_env)
    assert result.returncode == ExitCode.API
    assert result.stderr.decode().splitlines()[0].startswith("sacli: error: fact fact-99 not found (HTTP 404)")


@pytest.mark.parametrize("bad", ["..", ".", "", " "])
def test_an_unsafe_id_is_refused_before_sending(bad: str, store: FactStore, api_env: dict[str, str]) -> None:
    for args in (("update", bad, "text"), ("delete", "--yes", bad)):
        result = run("facts", *args, env=api_env)
        assert result.returncode == ExitCode.USAGE, args
        assert result.stderr.startswith(b"sacli: error: invalid fact ID")
    assert store.requests == []


def test_an_id_goes_into_one_path_segment(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(re.compile(f"^{FACTS}/.*$")).respond_with_json({"success": True})
    result = run("facts", "delete", "--yes", "../sessions?x=1#y", env=api_env)
    assert result.returncode == 0
    request, _ = httpserver.log[-1]
    assert request.environ["REQUEST_URI"] == f"{FACTS}/..%2Fsessions%3Fx%3D1%23y"


# delete


def test_delete_with_yes_deletes_each_and_prints_its_id(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "delete", "--yes", "fact-1", "fact-3", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"fact-1\nfact-3\n", b"")
    assert [(m, p) for m, p, _, _ in store.requests] == [("DELETE", f"{FACTS}/fact-1"), ("DELETE", f"{FACTS}/fact-3")]
    assert list(store.facts) == ["fact-2"]


def test_delete_json_writes_one_line_per_id(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "delete", "-y", "fact-1", "fact-2", "--json", env=api_env)
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["id"], d["deleted"]) for d in documents] == [("fact-1", True), ("fact-2", True)]


def test_delete_on_a_terminal_asks_first(store: FactStore, tty_env: dict[str, str]) -> None:
    terminal = Terminal("facts", "delete", "fact-1", env=tty_env)
    try:
        assert b"Delete fact fact-1?" in terminal.expect("[y/N]")
        terminal.send("y\r")
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    assert "deleted fact-1" in ANSI.sub("", terminal.output.decode())
    assert "fact-1" not in store.facts


def test_delete_without_yes_off_a_terminal_is_a_usage_error(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "delete", "fact-1", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert b"--yes" in result.stderr
    assert store.requests == []
    assert "fact-1" in store.facts


def test_delete_goes_past_a_missing_fact_then_exits_5(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "delete", "--yes", "fact-1", "fact-99", "fact-2", env=api_env)
    assert result.returncode == ExitCode.API
    assert result.stdout == b"fact-1\nfact-2\n"
    assert result.stderr.decode().splitlines()[0].startswith("sacli: error: fact fact-99 not found (HTTP 404)")
    assert list(store.facts) == ["fact-3"]


def test_delete_json_reports_the_missing_fact_in_its_line(store: FactStore, api_env: dict[str, str]) -> None:
    result = run("facts", "delete", "--yes", "--json", "fact-98", "fact-1", "fact-99", env=api_env)
    assert result.returncode == ExitCode.API
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["id"], d["deleted"]) for d in documents] == [("fact-98", False), ("fact-1", True), ("fact-99", False)]
    assert documents[0]["error"]["exit_code"] == ExitCode.API
    assert result.stderr.decode().splitlines()[0] == "sacli: error: 2 facts not found: fact-98, fact-99"


def test_every_facts_command_needs_the_super_agent_key(store: FactStore, api_env: dict[str, str]) -> None:
    env = {k: v for k, v in api_env.items() if k != "SUPER_AGENT_KEY"}
    for args in (("list",), ("add", "x"), ("search", "x"), ("update", "fact-1", "x"), ("delete", "-y", "fact-1")):
        result = run("facts", *args, env=env)
        assert result.returncode == ExitCode.AUTH, args
        assert result.stderr.startswith(b"sacli: error: no Super Agent key configured")
    assert store.requests == []


# text that is not UTF-8 (a shell's $'caf\xe9': Python holds the byte as a surrogate escape)

LATIN_1 = os.fsdecode(b"caf\xe9")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["add", LATIN_1], "'TEXT'"),
        (["add", "ok", "--category", LATIN_1], "'--category'"),
        (["search", LATIN_1], "'QUERY'"),
        (["update", "fact-1", LATIN_1], "'TEXT'"),
        (["delete", "--yes", LATIN_1], "'ID...'"),
    ],
    ids=["add", "category", "search", "update", "delete"],
)
def test_text_that_is_not_utf8_is_a_usage_error_naming_it_and_nothing_is_sent(
    store: FactStore, api_env: dict[str, str], args: list[str], named: str
) -> None:
    result = run("facts", *args, env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode().startswith(
        f"sacli: error: invalid value for {named}: must be UTF-8 text (the byte 0xE9 at offset 3 is not)"
    )
    assert store.requests == []
