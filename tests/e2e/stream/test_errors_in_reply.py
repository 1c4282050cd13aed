"""Errors the server reports inside a reply whose 200 is already sent, in the shapes OpenRouter
documents, end to end: each gets the exit code its HTTP status would have, its provider's code and
its availability in the message and hint, and is retried before the first byte of the answer (as
that status would be), never after. Batch records carry the same exit codes.

The documented streaming error (OpenRouter, "Streaming Error Formats", and the service's reference
section 4.3, rule 8):

    data: {"id":"gen-...","object":"chat.completion.chunk","created":1700000000,"model":"...",
           "error":{"code":"server_error","message":"Provider disconnected unexpectedly"},
           "choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}

and the error body ``{"error": {"code": <number>, "message": "...", "metadata": {...}}}`` whose
``code`` equals the HTTP status it stands for.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import chunk, event, run, sse
from tests.support.schemas import batch_records

CHAT = "/api/v1/chat/completions"


def failing(error: dict[str, Any]) -> bytes:
    """The documented shape: the error at the top level of a chunk whose finish reason is error."""
    return event(
        {**chunk(), "error": error, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]}
    )


class Replies:
    """Answers the n-th request with the n-th body (the last one again after that)."""

    def __init__(self, *bodies: bytes, headers: dict[str, str] | None = None) -> None:
        self.bodies = bodies
        self.headers = headers or {}
        self.count = 0

    def __call__(self, request: Request) -> Response:
        body = self.bodies[min(self.count, len(self.bodies) - 1)]
        self.count += 1
        return Response(body, content_type="text/event-stream", headers=self.headers)


def serve(httpserver: HTTPServer, *bodies: bytes) -> Replies:
    replies = Replies(*bodies)
    httpserver.expect_request(CHAT).respond_with_handler(replies)
    return replies


CASES = [
    pytest.param({"code": 429, "message": "Rate limit exceeded"}, ExitCode.RATE_LIMITED, "Rate limit exceeded",
                 id="numeric-429"),
    pytest.param({"code": "rate_limit_exceeded", "message": "Slow down"}, ExitCode.RATE_LIMITED, "Slow down",
                 id="named-429"),
    pytest.param({"code": 401, "message": "User not found."}, ExitCode.AUTH, "User not found.", id="401"),
    pytest.param({"code": 402, "message": "Insufficient credits"}, ExitCode.SPENDING_LIMIT, "Insufficient credits",
                 id="402"),
    pytest.param({"code": 503, "message": "Provider overloaded", "metadata": {"error_type": "provider_overloaded",
                 "provider_name": "Anthropic", "provider_code": "overloaded_error"}}, ExitCode.API,
                 "Provider overloaded (code 503) (Anthropic code overloaded_error)", id="503-provider-overloaded"),
    pytest.param({"code": 400, "message": "This model's maximum context length is 8192 tokens",
                  "metadata": {"error_type": "context_length_exceeded"}}, ExitCode.API, "maximum context length",
                 id="context-length"),
    pytest.param({"code": "server_error", "message": "Provider disconnected unexpectedly"}, ExitCode.API,
                 "Provider disconnected unexpectedly", id="documented-server-error"),
]  # fmt: skip


@pytest.mark.parametrize(("error", "code", "said"), CASES)
def test_an_error_after_the_first_byte_keeps_the_text_and_is_never_retried(
    httpserver: HTTPServer, api_env: dict[str, str], error: dict, code: int, said: str
) -> None:
    replies = serve(httpserver, event(chunk("Partial ")) + failing(error))
    result = run("stream", "hi", env=api_env)
    assert result.returncode == code
    assert result.stdout == b"Partial "
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("sacli: error: the server reported an error: ") and said in line
    assert replies.count == 1


def test_a_retryable_error_before_the_first_byte_is_retried_and_announced(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    documented = {"code": "server_error", "message": "Provider disconnected unexpectedly"}
    replies = serve(httpserver, event(chunk(role="assistant", content="")) + failing(documented), sse("Recovered."))
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"Recovered.\n")
    (notice,) = result.stderr.decode().splitlines()
    assert notice.startswith("sacli: the server reported HTTP 500 in the reply; retrying in ")
    assert replies.count == 2


@pytest.mark.parametrize(
    ("error", "code"),
    [({"code": 400, "message": "Bad"}, ExitCode.API), ({"code": 401, "message": "No"}, ExitCode.AUTH)],
    ids=["400", "401"],
)
def test_an_error_that_retrying_cannot_fix_is_not_retried(
    httpserver: HTTPServer, api_env: dict[str, str], error: dict, code: int
) -> None:
    replies = serve(httpserver, failing(error))
    assert run("stream", "hi", env=api_env).returncode == code
    assert replies.count == 1


def test_availability_becomes_a_hint_and_decides_the_retry(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    error = {
        "code": 503, "message": "No capacity for this model",
        "availability": {"code": "capacity_exhausted", "retryable": False, "retry_after": None,
                         "fallback_models": ["openai/gpt-4o", "anthropic/claude-sonnet-4"]},
    }  # fmt: skip
    replies = serve(httpserver, failing(error))
    result = run("stream", "-m", "lab/busy", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert replies.count == 1  # a 503 would be retried, but the server says this one is not retryable
    assert (
        result.stderr.decode()
        .rstrip()
        .endswith("(capacity exhausted; try -m openai/gpt-4o or -m anthropic/claude-sonnet-4)")
    )


def test_a_deprecated_model_is_named_with_its_date(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    error = {"code": 404, "message": "Model gone", "metadata": {"availability": {
        "code": "model_deprecated", "deprecation_date": "2026-11-30", "fallback_models": ["lab/newer"]}}}  # fmt: skip
    serve(httpserver, failing(error))
    result = run("stream", "-m", "lab/old", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert result.stderr.decode().rstrip().endswith("(model deprecated on 2026-11-30; try -m lab/newer)")


def test_a_completion_body_with_an_error_gets_its_exit_code(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = {"error": {"code": 429, "message": "Rate limit exceeded"}}
    httpserver.expect_request(CHAT).respond_with_json(body)  # a 200 whose body is the error
    result = run("chat", "--retries", "0", "hi", env=api_env)
    assert result.returncode == ExitCode.RATE_LIMITED


def test_batch_records_carry_the_exit_code_of_an_error_in_the_reply(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    def handler(request: Request) -> Response:
        prompt = request.get_json()["messages"][-1]["content"]
        codes = {"limited": 429, "unpaid": 402, "fine": None}
        code = codes[prompt]
        body = sse("ok") if code is None else event(chunk("x")) + failing({"code": code, "message": prompt})
        return Response(body, content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(handler)
    items = "".join(json.dumps({"id": p, "prompt": p}) + "\n" for p in ("limited", "unpaid", "fine")).encode()
    result = run("batch", "--no-log", env=api_env, input=items)
    found = {record["id"]: record for record in batch_records(result.stdout)}
    assert found["limited"]["exit_code"] == ExitCode.RATE_LIMITED and found["limited"]["status"] == "error"
    assert found["unpaid"]["exit_code"] == ExitCode.SPENDING_LIMIT and found["unpaid"]["status"] == "limit"
    assert found["fine"]["status"] == "ok"


def test_a_429_without_retry_after_waits_for_the_rate_limit_reset(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    calls: list[float] = []

    def handler(request: Request) -> Response:
        calls.append(time.time())
        if len(calls) == 1:
            reset = str(int((time.time() + 3) * 1000))  # OpenRouter: Unix milliseconds
            headers = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            body = json.dumps({"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-min"}})
            return Response(body, status=429, headers=headers, content_type="application/json")
        return Response(sse("ok"), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(handler)
    result = run("stream", "hi", env=api_env)
    assert result.returncode == 0
    (notice,) = result.stderr.decode().splitlines()
    waited = float(notice.split("retrying in ")[1].split(" s")[0])
    assert 0.5 < waited <= 3.0  # until the reset, not the 0.25-0.5 s backoff (a slow machine's start aside)
    assert calls[1] - calls[0] >= waited - 0.05


@pytest.mark.parametrize(("error", "code", "said"), CASES)
def test_each_error_shape_in_a_batch_record(
    httpserver: HTTPServer, api_env: dict[str, str], error: dict, code: int, said: str
) -> None:
    replies = serve(httpserver, event(chunk("Partial ")) + failing(error))
    result = run("batch", "--no-log", env=api_env, input=b'{"id": "q", "prompt": "hi"}\n')
    assert result.returncode == ExitCode.BATCH_FAILED
    (record,) = batch_records(result.stdout)
    assert record["exit_code"] == code and record["status"] == ("limit" if code == ExitCode.SPENDING_LIMIT else "error")
    assert record["error"]["exit_code"] == code and said in record["error"]["message"]
    assert record["text"] is None  # a failed item's text, as the README says
    assert replies.count == 1  # after the first byte: never retried


def availability(retryable: bool) -> dict[str, Any]:
    said = {"code": "capacity_exhausted", "retryable": retryable, "retry_after": 0, "fallback_models": ["lab/other"]}
    return {"code": 503, "message": "No capacity for this model", "availability": said}


def test_an_availability_that_says_retryable_is_retried_before_the_first_byte(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    replies = serve(httpserver, failing(availability(True)), sse("Recovered."))
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"Recovered.\n")
    (notice,) = result.stderr.decode().splitlines()
    assert notice.startswith("sacli: the server reported HTTP 503 in the reply; retrying in 0")  # its retry_after
    assert replies.count == 2


def test_an_availability_that_says_retryable_is_never_retried_after_the_first_byte(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    replies = serve(httpserver, event(chunk("Partial ")) + failing(availability(True)), sse("Again."))
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.API, b"Partial ")
    assert result.stderr.decode().rstrip().endswith("(capacity exhausted; try -m lab/other)")
    assert replies.count == 1
