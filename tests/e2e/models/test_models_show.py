"""sacli models show ID end to end: OpenRouter's documented model object from a local server, in a
pipe (field<TAB>value lines), as JSON, and an ID the list does not have (exit 2, close IDs named).
sacli models is a group whose default command is list: its old forms keep working."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.e2e.models.listing import DOCUMENTED, MODELS, asked, dated, in_days, serve_models
from tests.support.helpers import run

LIST = [
    DOCUMENTED,
    dated("anthropic/claude-sonnet-4", in_days(12), knowledge_cutoff="2025-03-01", reasoning={"mandatory": True}),
    dated("old/retired-model", in_days(-3), context_length=4096, supported_parameters=[], reasoning=None),
]


@pytest.fixture
def served(httpserver: HTTPServer) -> HTTPServer:
    serve_models(httpserver, LIST)
    return httpserver


def fields(stdout: bytes) -> dict[str, str]:
    lines = stdout.decode().splitlines()
    assert all(line.count("\t") == 1 for line in lines), lines
    return dict(line.split("\t") for line in lines)


def test_in_a_pipe_one_field_a_line(served: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("models", "show", "openai/gpt-4", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode().splitlines() == [
        "id\topenai/gpt-4",
        "name\tGPT-4",
        "context_length\t8192",
        "prompt_per_million\t30",
        "completion_per_million\t60",
        "supported_parameters\ttemperature top_p max_tokens",
        "reasoning\tefforts high, medium, low; default medium",
        "knowledge_cutoff\t",
        "expiration_date\t",
        "expiry\t",
    ]


def test_the_expiry_is_the_date_and_how_far_it_is(served: HTTPServer, api_env: dict[str, str]) -> None:
    near = fields(run("models", "show", "anthropic/claude-sonnet-4", env=api_env).stdout)
    assert (near["expiration_date"], near["expiry"]) == (in_days(12), "expires in 12 days")
    assert (near["knowledge_cutoff"], near["reasoning"]) == ("2025-03-01", "mandatory")
    gone = fields(run("models", "show", "old/retired-model", env=api_env).stdout)
    assert (gone["expiration_date"], gone["expiry"]) == (in_days(-3), "expired 3 days ago")
    assert (gone["supported_parameters"], gone["reasoning"], gone["context_length"]) == ("", "", "4096")
    assert asked(served) == 1  # the list kept for a day answered the second


def test_json_is_the_model_object_as_sent(served: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("models", "show", "--json", "anthropic/claude-sonnet-4", env=api_env)
    assert result.returncode == 0
    assert json.loads(result.stdout) == LIST[1]
    assert result.stdout.count(b"\n") == 1


def test_list_json_carries_the_new_fields_as_sent(served: HTTPServer, api_env: dict[str, str]) -> None:
    listed = json.loads(run("models", "--json", env=api_env).stdout)
    assert listed == LIST
    assert listed[1]["expiration_date"] == in_days(12) and listed[0]["supported_parameters"] == [
        "temperature",
        "top_p",
        "max_tokens",
    ]


@pytest.mark.parametrize(
    ("given", "close"),
    [("gpt4", "openai/gpt-4"), ("claude-sonnet-4", "anthropic/claude-sonnet-4"), ("OPENAI/GPT-4", "openai/gpt-4")],
)
def test_an_unknown_id_is_a_usage_error_naming_the_close_ones(
    given: str, close: str, served: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("models", "show", given, env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    line = result.stderr.decode()
    assert line.count("\n") == 1
    assert line.startswith(f"sacli: error: no model {given} in the server's list (did you mean {close}?")
    assert "--refresh asks the server again" in line


def test_an_unknown_id_with_nothing_close(served: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("models", "show", "zzzz", "--refresh", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr == b"sacli: error: no model zzzz in the server's list ('sacli models' lists them)\n"


def test_refresh_asks_again(served: HTTPServer, api_env: dict[str, str]) -> None:
    run("models", "show", "openai/gpt-4", env=api_env)
    run("models", "show", "--refresh", "openai/gpt-4", env=api_env)
    assert asked(served) == 2


def test_the_old_forms_of_sacli_models_still_list(served: HTTPServer, api_env: dict[str, str]) -> None:
    bare = run("models", env=api_env).stdout
    assert bare.decode().splitlines()[0] == "openai/gpt-4\t8192\t30\t60"
    assert run("models", "list", env=api_env).stdout == bare
    assert run("models", "claude", env=api_env).stdout == run("models", "list", "claude", env=api_env).stdout
    assert run("models", "--refresh", "claude", "--json", env=api_env).returncode == 0
    assert run("models", "list", "show", env=api_env).stdout == b""  # a search for "show" names the command


def test_the_groups_help_names_both_commands(env: dict[str, str]) -> None:
    result = run("models", "--help", env=env)
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "sacli models [COMMAND] [ARGS]..." in text
    assert all(f"  {name}  " in text for name in ("list", "show"))


def test_a_server_without_a_models_list(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(MODELS).respond_with_json({"error": "Not found"}, status=404)
    result = run("models", "show", "openai/gpt-4", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.API, b"")
    assert b"lists no models (HTTP 404)" in result.stderr


def test_a_kept_list_with_entries_that_are_no_models(served: HTTPServer, api_env: dict[str, str]) -> None:
    cache = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "models.json"
    cache.parent.mkdir(parents=True)
    kept = [{"name": "no id"}, {"id": 5}, DOCUMENTED]
    base = api_env["SACLI_BASE_URL"]
    cache.write_text(json.dumps({"base_url": base, "fetched_at": time.time(), "models": kept}))
    assert run("models", "gpt", env=api_env).stdout == b"openai/gpt-4\t8192\t30\t60\n"
    assert run("models", "show", "openai/gpt-4", env=api_env).returncode == 0
    long = run("models", "show", "x" * 5000, env=api_env)
    assert (long.returncode, long.stdout) == (ExitCode.USAGE, b"")
    assert asked(served) == 0  # the kept list answered
