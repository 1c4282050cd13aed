"""--budget: the logged spend of a scope, read before each request; a scope that has spent its budget
sends nothing more, whichever process asks. And the cost of a reply that did not report it."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"
MODELS = "/api/v1/models"
GENERATION = "/api/v1/generation"
PRICED = {"id": "lab/priced", "pricing": {"prompt": "0.0001", "completion": "0.001"}}
COSTLY = {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11, "cost": 0.4}


def logged(env: dict[str, str]) -> list[dict]:
    return json.loads(run("logs", "--json", "-n", "100", env=env).stdout)


def test_the_fourth_run_of_a_scope_that_spent_its_budget_is_refused(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=COSTLY), content_type="text/event-stream")
    api_env.update(SACLI_LOG_DB=str(tmp_path / "logs.db"), SACLI_BUDGET="1.2", SACLI_BUDGET_SCOPE="job-7")
    for _ in range(3):
        assert run("stream", "hi", env=api_env).returncode == 0
    other = run("stream", "--budget-scope", "job-8", "hi", env=api_env)  # another scope has spent nothing
    assert other.returncode == 0
    refused = run("stream", "hi", env=api_env)
    assert (refused.returncode, refused.stdout) == (ExitCode.SPENDING_LIMIT, b"")
    assert refused.stderr.decode() == (
        "sacli: error: --budget $1.2 reached: the exchanges tagged 'job-7' have cost $1.2 (nothing was sent)\n"
    )
    assert len(httpserver.log) == 4
    assert [row["tags"] for row in logged(api_env)] == [["job-8"], ["job-7"], ["job-7"], ["job-7"]]


def test_the_scope_is_the_first_tag_and_since_bounds_what_counts(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=COSTLY), content_type="text/event-stream")
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    assert run("stream", "--tag", "ci", "hi", env=api_env).returncode == 0
    assert run("stream", "--tag", "ci", "--budget", "0.3", "hi", env=api_env).returncode == ExitCode.SPENDING_LIMIT
    # What was spent before the window does not count; the whole log counts without a scope.
    assert (
        run("stream", "--tag", "ci", "--budget", "0.3", "--budget-since", "2099-01-01", "hi", env=api_env).returncode
        == 0
    )
    assert run("stream", "--budget", "0.5", "hi", env=api_env).returncode == ExitCode.SPENDING_LIMIT


def test_two_processes_sharing_a_scope_see_each_other_s_spend(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=COSTLY), content_type="text/event-stream")
    api_env.update(SACLI_LOG_DB=str(tmp_path / "logs.db"), SACLI_BUDGET="0.7", SACLI_BUDGET_SCOPE="shared")
    first = run("chat", "hi", env=api_env)  # another command, another process, the same scope
    second = run("stream", "hi", env=api_env)
    third = run("stream", "hi", env=api_env)
    assert (first.returncode, second.returncode, third.returncode) == (0, 0, ExitCode.SPENDING_LIMIT)


def test_budget_needs_the_log(api_env: dict[str, str]) -> None:
    result = run("stream", "--no-log", "--budget", "1", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert "--budget counts the spend in the local log" in result.stderr.decode()


def test_a_missing_cost_comes_from_the_generation_endpoint(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")  # no cost
    records = iter([{"id": "gen-test"}, {"id": "gen-test", "total_cost": 0.0123}])  # the first without it yet
    httpserver.expect_request(GENERATION, query_string="id=gen-test").respond_with_handler(
        lambda request: Response(json.dumps({"data": next(records)}), content_type="application/json")
    )
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "--budget", "5", "--usage", "hi", env=api_env)
    assert result.returncode == 0
    assert result.stderr.decode().endswith("; cost $0.0123\n")
    assert (logged(api_env)[0]["cost"], logged(api_env)[0]["cost_estimated"]) == (0.0123, 0)


def test_without_the_generation_endpoint_the_cost_is_estimated_and_marked(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    httpserver.expect_request(GENERATION).respond_with_json({"error": {"message": "no such route"}}, status=404)
    httpserver.expect_request(MODELS).respond_with_json({"data": [PRICED]})
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "-m", "lab/priced", "--budget", "5", "--usage", "hi", env=api_env)
    assert result.returncode == 0
    # 12 prompt and 3 completion tokens, as the usage reported them, at the list's prices.
    assert result.stderr.decode().endswith("; cost $0.0042 (estimated)\n")
    row = logged(api_env)[0]
    assert (row["cost"], row["cost_estimated"]) == (0.0042, 1)
    assert [r.path for r, _ in httpserver.log].count(GENERATION) == 1  # a 404 is not asked again
