"""The server's own spending limits: a 402 or a key's or guardrail's 403 exits 11 and says which limit
and when it resets; a 402 that says when to try again is retried as a 429 is."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"


def test_a_402_is_the_spending_exit_code(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {"error": {"code": 402, "message": "Insufficient credits. Add more at https://openrouter.ai/settings"}},
        status=402,
    )
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.SPENDING_LIMIT, b"")
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("sacli: error: HTTP 402 PAYMENT REQUIRED: Insufficient credits.")
    assert line.endswith("(the account is out of credits, or a spending limit was reached)")
    assert len(httpserver.log) == 1  # without Retry-After, never sent again


@pytest.mark.parametrize("where", ["error", "metadata"])
def test_a_403_naming_a_limit_says_which_and_when_it_resets(
    httpserver: HTTPServer, api_env: dict[str, str], where: str
) -> None:
    limit = {"limit_source": "guardrail", "resets_at": "2026-12-06T00:00:00Z"}
    error = {"code": 403, "message": "Spending limit exceeded"}
    error.update(limit) if where == "error" else error.update(metadata=limit)
    httpserver.expect_request(CHAT).respond_with_json({"error": error}, status=403)
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.SPENDING_LIMIT
    assert result.stderr.decode() == (
        "sacli: error: HTTP 403 FORBIDDEN: Spending limit exceeded (code 403) (a spending limit was reached: "
        "the guardrail's limit, resets at 2026-12-06T00:00:00Z)\n"
    )


def test_a_403_about_the_key_itself_is_still_authentication(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": {"message": "Key disabled"}}, status=403)
    assert run("stream", "hi", env=api_env).returncode == ExitCode.AUTH


def test_a_402_with_retry_after_is_a_budget_in_flight_and_retried(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_ordered_request(CHAT).respond_with_json(
        {"error": {"code": 402, "message": "Budget in flight"}}, status=402, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request(CHAT).respond_with_data(sse("paid"), content_type="text/event-stream")
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"paid\n")
    assert result.stderr.decode() == "sacli: HTTP 402 PAYMENT REQUIRED; retrying in 0.0 s (retry 1 of 1)\n"


def test_a_402_in_flight_that_persists_exits_11(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {"error": {"code": 402, "message": "Budget in flight"}}, status=402, headers={"Retry-After": "0"}
    )
    result = run("stream", "--retries", "2", "hi", env=api_env)
    assert result.returncode == ExitCode.SPENDING_LIMIT
    assert len(httpserver.log) == 3  # the request and its two retries, each announced
    assert result.stderr.decode().count("retrying in") == 2
