"""The retry policy: how long to wait, and that a retried request prints its answer once."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer

from sacli.api.retry import BACKOFF_CAP, backoff_delay, server_retry_delay
from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"


@pytest.mark.parametrize("attempt", range(1, 9))
@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999])
def test_backoff_doubles_from_half_a_second_up_to_eight(attempt: int, jitter: float) -> None:
    ceiling = min(BACKOFF_CAP, 0.5 * 2 ** (attempt - 1))
    delay = backoff_delay(attempt, jitter)
    assert ceiling / 2 <= delay <= ceiling


def test_retry_after_seconds_ms_and_date() -> None:
    assert server_retry_delay({"retry-after": "3"}, "") == 3.0
    assert server_retry_delay({"retry-after-ms": "250", "retry-after": "9"}, "") == 0.25
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2026, 1, 1, 12, 0, 7, tzinfo=UTC), usegmt=True)
    assert server_retry_delay({"retry-after": later}, "", now=now.timestamp()) == 7.0
    past = format_datetime(datetime(2025, 1, 1, tzinfo=UTC), usegmt=True)
    assert server_retry_delay({"retry-after": past}, "", now=now.timestamp()) == 0.0


def test_wait_from_the_message_when_no_header() -> None:
    assert server_retry_delay({}, "Rate limit exceeded. Please try again in 60 seconds.") == 60.0
    assert server_retry_delay({}, "try again in 1.5s") == 1.5
    assert server_retry_delay({}, "try again in 200ms") == 0.2
    assert server_retry_delay({"retry-after": "soon"}, "no hint") is None


def test_a_retried_request_prints_the_answer_once(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_ordered_request(CHAT).respond_with_json(
        {"error": {"message": "slow down"}}, status=429, headers={"retry-after-ms": "10"}
    )
    httpserver.expect_ordered_request(CHAT).respond_with_data("upstream down", status=503)
    httpserver.expect_ordered_request(CHAT).respond_with_data(sse("once"), content_type="text/event-stream")
    result = run("stream", "--retries", "2", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"once\n")
    notices = result.stderr.decode().splitlines()
    assert notices[0] == "sacli: HTTP 429 TOO MANY REQUESTS; retrying in 0.0 s (retry 1 of 2)"
    assert notices[1].startswith("sacli: HTTP 503 SERVICE UNAVAILABLE; retrying in ")
    assert len(notices) == 2


def test_no_retry_that_would_pass_the_total_timeout(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {"error": {"message": "busy"}}, status=429, headers={"Retry-After": "30"}
    )
    result = run("stream", "--timeout", "5", "hi", env=api_env)
    assert result.returncode == 4
    assert len(httpserver.log) == 1
    assert b"would pass --timeout" in result.stderr


def test_a_wait_longer_than_a_minute_is_not_waited_for(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {"error": {"message": "busy"}}, status=429, headers={"Retry-After": "3600"}
    )
    result = run("stream", "hi", env=api_env)
    assert result.returncode == 4
    assert len(httpserver.log) == 1
    assert result.stderr.endswith(b"(not retried: the server asked to wait 3600 s)\n")
