"""sacli models end to end: OpenRouter's list from a local server, the day-long cache, and
TAB completion of -m from that cache in real bash without a request."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.e2e.cli.test_completion_shells import bash_complete
from tests.support.helpers import needs_tool, run
from tests.support.terminal import Terminal

MODELS = "/api/v1/models"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def model(model_id: str, name: str, context: int, prompt: str, completion: str) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": name,
        "created": 1700000000,
        "context_length": context,
        "architecture": {"modality": "text->text"},
        "pricing": {"prompt": prompt, "completion": completion, "request": "0", "image": "0"},
        "top_provider": {"max_completion_tokens": 4096},
    }


LIST = [
    model("openrouter/auto", "Auto Router", 2000000, "-1", "-1"),
    model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", 128000, "0.00000015", "0.0000006"),
    model("anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", 200000, "0.000003", "0.000015"),
    model("meta-llama/llama-3.3-70b-instruct:free", "Meta: Llama 3.3 70B (free)", 131072, "0", "0"),
]


@pytest.fixture
def served(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(MODELS, method="GET").respond_with_json({"data": LIST})
    return httpserver


def requests(httpserver: HTTPServer) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == MODELS)


def test_tsv_has_id_context_and_prices_per_million_tokens(served: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("models", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode().splitlines() == [
        "openrouter/auto\t2000000\t\t",  # a router's price is that of the model it picks
        "openai/gpt-4o-mini\t128000\t0.15\t0.6",
        "anthropic/claude-sonnet-4\t200000\t3\t15",
        "meta-llama/llama-3.3-70b-instruct:free\t131072\t0\t0",
    ]
    request, _ = served.log[-1]
    assert request.headers["Accept"] == "application/json"


def test_json_is_one_array_of_the_models_as_the_server_sent_them(served: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("models", "--json", env=api_env)
    assert result.returncode == 0
    assert json.loads(result.stdout) == LIST
    assert result.stdout.count(b"\n") == 1


def test_on_a_terminal_it_is_a_table(served: HTTPServer, api_env: dict[str, str]) -> None:
    terminal = Terminal("models", env={**api_env, "NO_COLOR": "1"}, columns=120)
    try:
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    shown = ANSI.sub("", terminal.output.decode())
    assert all(word in shown for word in ("ID", "Context", "Prompt $/M", "Completion $/M"))
    row = next(line for line in shown.splitlines() if "anthropic/claude-sonnet-4" in line)
    assert re.findall(r"[^\s│┃|]+", row) == ["anthropic/claude-sonnet-4", "200000", "3", "15"]
    assert "\t" not in shown


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("gpt", ["openai/gpt-4o-mini"]),
        ("ANTHROPIC", ["anthropic/claude-sonnet-4"]),
        ("70B (free)", ["meta-llama/llama-3.3-70b-instruct:free"]),  # the name, not the ID
        ("router", ["openrouter/auto"]),
    ],
)
def test_search_keeps_the_models_whose_id_or_name_holds_it(
    search: str, expected: list[str], served: HTTPServer, api_env: dict[str, str]
) -> None:
    text = run("models", search, env=api_env)
    assert [line.split("\t")[0] for line in text.stdout.decode().splitlines()] == expected
    as_json = run("models", search, "--json", env=api_env)
    assert [m["id"] for m in json.loads(as_json.stdout)] == expected


def test_a_search_that_matches_nothing(served: HTTPServer, api_env: dict[str, str]) -> None:
    text = run("models", "no-such-model", env=api_env)
    assert (text.returncode, text.stdout, text.stderr) == (0, b"", b"")
    assert run("models", "no-such-model", "--json", env=api_env).stdout == b"[]\n"


def test_the_list_is_kept_for_a_day(served: HTTPServer, api_env: dict[str, str]) -> None:
    first = run("models", env=api_env)
    second = run("models", "gpt", env=api_env)
    assert requests(served) == 1
    assert second.stdout.decode().split("\t")[0] == "openai/gpt-4o-mini"
    cache = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    assert json.loads(cache.read_text())["models"] == LIST
    assert first.returncode == second.returncode == 0


def test_refresh_asks_again(served: HTTPServer, api_env: dict[str, str]) -> None:
    run("models", env=api_env)
    run("models", "--refresh", env=api_env)
    assert requests(served) == 2


def test_a_list_older_than_a_day_is_asked_for_again(served: HTTPServer, api_env: dict[str, str]) -> None:
    run("models", env=api_env)
    cache = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    document = json.loads(cache.read_text())
    document["fetched_at"] = time.time() - 25 * 3600
    cache.write_text(json.dumps(document))
    run("models", env=api_env)
    assert requests(served) == 2


def test_another_servers_list_is_not_used(served: HTTPServer, api_env: dict[str, str]) -> None:
    cache = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    cache.parent.mkdir(parents=True)
    other = [model("other/model", "Other", 1000, "0", "0")]
    cache.write_text(
        json.dumps({"base_url": "https://elsewhere.example/api/v1", "fetched_at": time.time(), "models": other})
    )
    result = run("models", env=api_env)
    assert "other/model" not in result.stdout.decode()
    assert requests(served) == 1


def test_a_broken_cache_is_asked_over(served: HTTPServer, api_env: dict[str, str]) -> None:
    cache = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    cache.parent.mkdir(parents=True)
    cache.write_text('{"models": [')
    result = run("models", env=api_env)
    assert result.returncode == 0 and result.stdout.startswith(b"openrouter/auto\t")
    assert json.loads(cache.read_text())["models"] == LIST


def test_no_key_is_needed(served: HTTPServer, api_env: dict[str, str]) -> None:
    env = {k: v for k, v in api_env.items() if k not in ("OPENROUTER_KEY", "SUPER_AGENT_KEY")}
    result = run("models", env=env)
    assert result.returncode == 0
    request, _ = served.log[-1]
    assert "Authorization" not in request.headers


def test_a_server_without_a_models_list_says_so(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(MODELS).respond_with_json({"error": "Not found"}, status=404)
    result = run("models", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.API, b"")
    first = result.stderr.decode().splitlines()[0]
    assert first.startswith(f"sacli: error: the server at {api_env['SACLI_BASE_URL']} lists no models (HTTP 404)")
    assert "openrouter.ai/models" in first


def test_a_reply_without_a_list_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(MODELS).respond_with_json({"data": {"id": "x"}})
    result = run("models", env=api_env)
    assert result.returncode == ExitCode.API
    assert result.stderr.startswith(b"sacli: error: the models reply holds no list of models")


@needs_tool("bash")
def test_m_completes_model_ids_from_the_cache_without_a_request(
    served: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    assert run("models", env=api_env).returncode == 0
    asked = len(served.log)
    shell = {"XDG_CACHE_HOME": api_env["XDG_CACHE_HOME"], "SACLI_BASE_URL": api_env["SACLI_BASE_URL"]}
    assert bash_complete("sacli stream -m open", tmp_path, extra_env=shell) == ["openai/gpt-4o-mini", "openrouter/auto"]
    assert bash_complete("sacli chat --model anth", tmp_path, extra_env=shell) == ["anthropic/claude-sonnet-4"]
    assert len(served.log) == asked  # completing asked the server nothing


@needs_tool("bash")
def test_m_completes_nothing_without_a_cache_and_asks_nothing(
    served: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    shell = {"XDG_CACHE_HOME": api_env["XDG_CACHE_HOME"], "SACLI_BASE_URL": api_env["SACLI_BASE_URL"]}
    assert bash_complete("sacli stream -m open", tmp_path, extra_env=shell) == []
    assert served.log == []
    assert not os.path.exists(Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json")


def test_a_password_in_the_base_url_is_not_kept_in_the_cache(served: HTTPServer, api_env: dict[str, str]) -> None:
    base = served.url_for("/api/v1").replace("://", "://user:s3cret-pass@")
    env = {**api_env, "SACLI_BASE_URL": base}
    assert run("models", env=env).returncode == 0
    text = (Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json").read_text()
    assert "s3cret-pass" not in text
    assert json.loads(text)["base_url"] == base.replace("s3cret-pass", "***")
    assert run("models", env=env).returncode == 0
    assert requests(served) == 1  # the same server's list, kept
