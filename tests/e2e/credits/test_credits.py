"""sacli credits: the key's limit and usage from GET {base}/key, on a terminal, in a pipe, as JSON;
a server without the endpoint says so in one line (exit 5)."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import OPENROUTER_KEY, run
from tests.support.screen import WIDTHS, show, table

KEY = "/api/v1/key"
RECORD = {
    "label": "sk-or-v1-abc...xyz", "limit": 100, "limit_remaining": 74.5, "limit_reset": "monthly", "usage": 25.5,
    "usage_daily": 1.25, "usage_weekly": 5.3, "usage_monthly": 25.5, "is_free_tier": False,
}  # fmt: skip


def test_in_a_pipe_and_as_json(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(KEY).respond_with_json({"data": RECORD})
    result = run("credits", env=api_env)
    assert result.returncode == 0
    assert result.stdout.decode().splitlines() == [
        "label\tsk-or-v1-abc...xyz", "limit\t$100", "limit_remaining\t$74.5", "limit_reset\tmonthly",
        "usage_daily\t$1.25", "usage_weekly\t$5.3", "usage_monthly\t$25.5", "usage\t$25.5",
    ]  # fmt: skip
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"
    assert json.loads(run("credits", "--json", env=api_env).stdout) == RECORD


def test_a_key_without_a_limit(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(KEY).respond_with_json({"data": {**RECORD, "limit": None, "limit_remaining": None}})
    lines = run("credits", env=api_env).stdout.decode().splitlines()
    assert lines[1:3] == ["limit\tno limit", "limit_remaining\tno limit"]


def test_a_server_without_the_endpoint_says_so(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(KEY).respond_with_json({"error": {"message": "Not found"}}, status=404)
    result = run("credits", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.API, b"")
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("sacli: error: the server at http://") and "does not tell a key's limit" in line


@pytest.mark.parametrize("columns", WIDTHS)
def test_on_a_terminal(columns: int, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(KEY).respond_with_json({"data": RECORD})
    screen = show("credits", env=api_env, columns=columns)
    assert all(len(line) <= columns for line in screen.scrollback)
    rows = {row[0]: row[1] for row in table(screen.scrollback) if len(row) == 2 and row[0]}
    assert rows["Limit"] == "$100" and rows["Remaining"] == "$74.5" and rows["Used today"] == "$1.25"
