"""The request options OpenRouter took on in 2026, in the body the server receives: every reasoning
effort, the reasoning summary and --no-reasoning, the web plugin, the service tier, the provider
routing preferences built from --provider and checked against the documented keys, and the
session's ID sent as OpenRouter's session_id too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"
SESSION = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"


def sent(httpserver: HTTPServer, api_env: dict[str, str], *args: str) -> dict[str, Any]:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", *args, "hi", env=api_env)
    assert result.returncode == 0, result.stderr
    (request,) = [request for request, _ in httpserver.log if request.path == CHAT]
    return json.loads(request.get_data())


@pytest.mark.parametrize("effort", ["none", "minimal", "low", "medium", "high", "xhigh", "max"])
def test_every_reasoning_effort_goes_into_the_body(
    httpserver: HTTPServer, api_env: dict[str, str], effort: str
) -> None:
    assert sent(httpserver, api_env, "--reasoning", effort)["reasoning"] == {"effort": effort}


def test_the_reasoning_summary_and_no_reasoning(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = sent(httpserver, api_env, "--reasoning", "high", "--reasoning-summary", "detailed")
    assert body["reasoning"] == {"effort": "high", "summary": "detailed"}
    httpserver.clear_log()
    assert sent(httpserver, api_env, "--no-reasoning")["reasoning"] == {"enabled": False}


def test_no_reasoning_with_an_effort_is_exit_2_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("stream", "--no-reasoning", "--reasoning", "low", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith("sacli: error: --no-reasoning cannot be used with --reasoning")
    assert httpserver.log == []


def test_web_search_asks_for_the_web_plugin(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    assert sent(httpserver, api_env, "--web")["plugins"] == [{"id": "web"}]
    httpserver.clear_log()
    body = sent(httpserver, api_env, "--web-results", "3", "--web-engine", "exa")
    assert body["plugins"] == [{"id": "web", "max_results": 3, "engine": "exa"}]
    httpserver.clear_log()
    assert "plugins" not in sent(httpserver, api_env, "--no-web", "--web-results", "3")


def test_the_service_tier_goes_into_the_body(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    assert sent(httpserver, api_env, "--service-tier", "flex")["service_tier"] == "flex"
    result = run("stream", "--service-tier", "fastest", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE


def test_a_session_is_also_openrouter_s_session_id(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = sent(httpserver, api_env, "--session", SESSION)
    assert body["sessionId"] == body["session_id"] == SESSION
    httpserver.clear_log()
    assert "session_id" not in sent(httpserver, api_env)


def test_provider_preferences_build_the_documented_object(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    body = sent(
        httpserver, api_env, "--provider", "order=anthropic,openai", "--provider", "order=google",
        "--provider", "sort=price", "--provider", "max_price.prompt=1", "--provider", "max_price.completion=2.5",
        "--provider", "allow_fallbacks=false", "--provider", "data_collection=deny", "--provider", "ignore=deepinfra",
    )  # fmt: skip
    assert body["provider"] == {
        "order": ["anthropic", "openai", "google"],
        "sort": "price",
        "max_price": {"prompt": 1.0, "completion": 2.5},
        "allow_fallbacks": False,
        "data_collection": "deny",
        "ignore": ["deepinfra"],
    }


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("fastest=true", "--provider has no key 'fastest'"),
        ("sort=cheapest", "--provider sort must be price, throughput or latency"),
        ("max_price.prompt=-1", "--provider max_price.prompt must be a number of dollars of at least 0"),
        ("max_price.tokens=1", "--provider has no key 'max_price.tokens'"),
        ("allow_fallbacks=maybe", "--provider allow_fallbacks must be true or false"),
        ("order=", "--provider order= wants one or more names"),
        ("order", "--provider wants KEY=VALUE"),
    ],
)
def test_a_provider_preference_that_is_not_one_is_exit_2_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], item: str, said: str
) -> None:
    result = run("stream", "--provider", item, "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(f"sacli: error: {said}")
    assert httpserver.log == []
