"""A model past or near its expiration_date is warned about when stream, chat or batch uses it: one
``sacli: warning:`` line on stderr, from the list already kept, never a request for it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.e2e.models.listing import CHAT, MODELS, asked, dated, in_days, serve_chat, serve_models
from tests.support.helpers import run
from tests.support.terminal import Terminal

LIST = [
    dated("old/gone", in_days(-3)),
    dated("soon/one-day", in_days(1)),
    dated("soon/twelve", in_days(12)),
    dated("soon/thirty", in_days(30)),
    dated("far/later", in_days(31)),
    dated("never/ends", None),
    dated("odd/date", "next spring"),
]


@pytest.fixture
def kept(httpserver: HTTPServer, api_env: dict[str, str]) -> HTTPServer:
    """The list served and kept (by sacli models, as a person fills it), and a chat endpoint."""
    serve_models(httpserver, LIST)
    serve_chat(httpserver)
    assert run("models", env=api_env).returncode == 0
    return httpserver


WARNINGS = {
    "old/gone": f"old/gone expired on {in_days(-3)} (3 days ago); the request may fail",
    "soon/one-day": f"soon/one-day expires on {in_days(1)} (in 1 day); see 'sacli models show soon/one-day'",
    "soon/twelve": f"soon/twelve expires on {in_days(12)} (in 12 days); see 'sacli models show soon/twelve'",
    "soon/thirty": f"soon/thirty expires on {in_days(30)} (in 30 days); see 'sacli models show soon/thirty'",
    "far/later": None,
    "never/ends": None,
    "odd/date": None,
    "not/listed": None,
}


def test_stream_warns_of_a_model_past_or_near_its_date(kept: HTTPServer, api_env: dict[str, str]) -> None:
    for model, warning in WARNINGS.items():  # one kept list, each model in turn
        result = run("stream", "-m", model, "hi", env=api_env)
        assert (result.returncode, result.stdout) == (0, b"hi\n"), model
        assert result.stderr.decode() == ("" if warning is None else f"sacli: warning: {warning}\n"), model
        request, _ = kept.log[-1]
        assert json.loads(request.get_data())["model"] == model
    assert asked(kept) == 1  # only sacli models asked for the list


@pytest.mark.parametrize(
    "args",
    [
        ["chat", "-m", "soon/twelve", "hi"],
        ["batch", "-m", "soon/twelve"],
        ["stream", "--no-stream", "-m", "soon/twelve", "hi"],
    ],
)
def test_chat_and_batch_warn_too(args: list[str], kept: HTTPServer, api_env: dict[str, str]) -> None:
    result = run(*args, env=api_env, input=b'{"prompt": "hi"}\n' if args[0] == "batch" else None)
    assert result.returncode == 0, result.stderr
    assert b"warning" not in result.stdout and b"expires" not in result.stdout  # a batch record may name the model
    warnings = [line for line in result.stderr.decode().splitlines() if line.startswith("sacli: warning:")]
    assert warnings == [
        f"sacli: warning: soon/twelve expires on {in_days(12)} (in 12 days); see 'sacli models show soon/twelve'"
    ]
    assert asked(kept) == 1


def test_the_configured_model_is_warned_about_too(kept: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("stream", "hi", env={**api_env, "SACLI_MODEL": "old/gone"})
    assert result.stderr.decode().startswith("sacli: warning: old/gone expired on ")


def test_without_a_kept_list_nothing_is_said_and_nothing_asked(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    serve_models(httpserver, LIST)
    serve_chat(httpserver)
    result = run("stream", "-m", "old/gone", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")
    assert asked(httpserver) == 0
    assert [request.path for request, _ in httpserver.log] == [CHAT]
    assert not (Path(api_env["XDG_CACHE_HOME"]) / "sacli").exists()


def test_another_servers_list_is_not_used(kept: HTTPServer, api_env: dict[str, str]) -> None:
    index = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "model-expiry.json"
    document = json.loads(index.read_text())
    assert document["expires"]["old/gone"] == in_days(-3)
    index.write_text(json.dumps({**document, "base_url": "https://elsewhere.example/api/v1"}))
    result = run("stream", "-m", "old/gone", "hi", env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")


def test_a_list_older_than_a_day_still_dates_the_model(kept: HTTPServer, api_env: dict[str, str]) -> None:
    index = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "model-expiry.json"
    document = json.loads(index.read_text())
    index.write_text(json.dumps({**document, "fetched_at": time.time() - 10 * 24 * 3600}))
    result = run("stream", "-m", "soon/twelve", "hi", env=api_env)
    assert b"sacli: warning: soon/twelve expires on" in result.stderr
    assert asked(kept) == 1


@pytest.mark.parametrize(
    "broken",
    [
        "{",
        '{"base_url": 1}',
        '{"base_url": "BASE", "expires": {"old/gone": 5}}',
        '{"base_url": "BASE", "expires": {"old/gone": "2020-02-30"}}',
        '{"base_url": "BASE", "expires": ["old/gone"]}',
        "x" * 2_000_000,
    ],
)
def test_a_broken_index_is_no_warning_and_no_error(broken: str, kept: HTTPServer, api_env: dict[str, str]) -> None:
    index = Path(api_env["XDG_CACHE_HOME"]) / "sacli" / "model-expiry.json"
    index.write_text(broken.replace("BASE", api_env["SACLI_BASE_URL"]))
    result = run("stream", "-m", "old/gone", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")


def test_a_refreshed_list_without_the_date_ends_the_warning(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    serve_chat(httpserver)
    served = [LIST]
    httpserver.expect_request(MODELS).respond_with_handler(lambda request: Response(json.dumps({"data": served[-1]})))
    run("models", env=api_env)
    assert b"expired" in run("stream", "-m", "old/gone", "hi", env=api_env).stderr
    served.append([dated("old/gone", None)])
    run("models", "--refresh", env=api_env)
    assert run("stream", "-m", "old/gone", "hi", env=api_env).stderr == b""


def test_a_batch_warns_once_of_each_items_own_model(kept: HTTPServer, api_env: dict[str, str]) -> None:
    lines = [{"prompt": "a", "model": "old/gone"}, {"prompt": "b"}, {"prompt": "c", "model": "old/gone"}]
    lines.append({"prompt": "d", "model": "far/later"})
    stdin = "".join(json.dumps(line) + "\n" for line in lines).encode()
    result = run("batch", "-m", "soon/twelve", env=api_env, input=stdin)
    assert result.returncode == 0, result.stderr
    assert [line.split(" (")[0] for line in result.stderr.decode().splitlines()] == [
        f"sacli: warning: soon/twelve expires on {in_days(12)}",
        f"sacli: warning: old/gone expired on {in_days(-3)}",
    ]
    assert len(result.stdout.splitlines()) == 4
    assert asked(kept) == 1


def test_model_in_a_conversation_warns_of_the_model_it_switches_to(
    kept: HTTPServer, api_env: dict[str, str], terminals: list[Terminal]
) -> None:
    env = {**api_env, "TERM": "xterm", "NO_COLOR": "1", "INPUTRC": "/dev/null"}
    terminal = Terminal("chat", "-m", "far/later", env=env)
    terminals.append(terminal)
    terminal.type_line("/model old/gone")
    terminal.expect("the request may fail")
    terminal.leave()
    shown = terminal.output.decode()
    assert "far/later" not in shown.split("sacli chat with far/later")[1]  # no warning for the first model
    assert f"sacli: warning: old/gone expired on {in_days(-3)}" in " ".join(shown.split())
    assert asked(kept) == 1


def test_a_batch_of_several_models_warns_of_each_that_expires(kept: HTTPServer, api_env: dict[str, str]) -> None:
    stdin = b'{"prompt": "a"}\n{"prompt": "b"}\n'
    result = run("batch", "-m", "far/later", "-m", "old/gone", "-m", "soon/one-day", env=api_env, input=stdin)
    assert result.returncode == 0, result.stderr
    warned = [line.split(" ")[2] for line in result.stderr.decode().splitlines() if line.startswith("sacli: warning:")]
    assert sorted(warned) == ["old/gone", "soon/one-day"]
    assert asked(kept) == 1
