"""--max-cost: a request whose worst case cannot fit is not sent; a reply whose running cost passes the
limit is stopped, what came before it stays on stdout, and the exit code is 11."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import chunk, event, run, sse
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"
MODELS = "/api/v1/models"
GENERATION = "/api/v1/generation"
# A dollar per thousand completion tokens, nothing for the prompt: 10 tokens (40 characters) for a cent.
PRICED = {"id": "lab/priced", "pricing": {"prompt": "0", "completion": "0.001"}}
ROUTER = {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}}


def priced(httpserver: HTTPServer) -> None:
    httpserver.expect_request(MODELS).respond_with_json({"data": [PRICED, ROUTER]})
    httpserver.expect_request(GENERATION).respond_with_json({"error": {"message": "not found"}}, status=404)


def chat_requests(httpserver: HTTPServer) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == CHAT]


def test_a_reply_is_stopped_when_its_running_cost_passes_the_limit(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    priced(httpserver)
    released = threading.Event()

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(400):  # 1,600 characters, far past the limit
                yield event(chunk("abcd"))
            released.wait(30)  # a reader that stopped early never gets here
            yield sse("never")

        return Response(body(), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(endless)
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "-m", "lab/priced", "--max-cost", "0.01", "hi", env=api_env)
    released.set()
    assert result.returncode == ExitCode.SPENDING_LIMIT
    assert result.stdout.startswith(b"abcd" * 10) and len(result.stdout) <= 48  # what came, up to the limit
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("sacli: error: --max-cost $0.01 reached: the reply was stopped at about $0.011 ")
    with sqlite3.connect(api_env["SACLI_LOG_DB"]) as connection:
        row = connection.execute("SELECT status, exit_code, cost, cost_estimated, reply FROM exchanges").fetchone()
    assert row[:2] == ("limit", 11) and row[3] == 1 and 0.01 < row[2] <= 0.012
    assert row[4] == result.stdout.decode()


def test_a_request_whose_worst_case_cannot_fit_is_not_sent(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    priced(httpserver)
    result = run("stream", "-m", "lab/priced", "--max-tokens", "1000", "--max-cost", "0.5", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.SPENDING_LIMIT, b"")
    assert result.stderr.decode() == (
        "sacli: error: --max-cost $0.5 cannot hold this request's worst case: about $1 (1 prompt token and "
        "1000 max_tokens at lab/priced's prices) (nothing was sent; a lower --max-tokens may fit)\n"
    )
    assert chat_requests(httpserver) == []


def test_a_worst_case_that_fits_is_sent(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    priced(httpserver)
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    result = run("stream", "-m", "lab/priced", "--max-tokens", "100", "--max-cost", "0.5", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"ok\n")


def test_a_model_without_prices_cannot_be_capped(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    priced(httpserver)
    result = run("stream", "--max-cost", "1", "hi", env=api_env)  # the router's prices are -1
    assert result.returncode == ExitCode.USAGE
    assert "--max-cost needs the prices of openrouter/auto" in result.stderr.decode()
    assert chat_requests(httpserver) == []


def test_the_reply_s_reported_cost_is_what_is_logged(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    priced(httpserver)
    usage = {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "cost": 0.0031}
    httpserver.expect_request(CHAT).respond_with_data(sse("ok", usage=usage), content_type="text/event-stream")
    api_env["SACLI_LOG_DB"] = str(tmp_path / "logs.db")
    result = run("stream", "-m", "lab/priced", "--max-cost", "1", "--usage", "hi", env=api_env)
    assert result.returncode == 0
    assert result.stderr.decode().endswith("; cost $0.0031\n")
    logged = json.loads(run("logs", "--json", env=api_env).stdout)
    assert (logged[0]["cost"], logged[0]["cost_estimated"]) == (0.0031, 0)


def test_in_a_conversation_the_limit_is_the_whole_conversation_s(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    priced(httpserver)
    usage = {"prompt_tokens": 1, "completion_tokens": 10, "total_tokens": 11, "cost": 0.01}
    httpserver.expect_request(CHAT).respond_with_data(
        sse(*["abcd"] * 10, usage=usage), content_type="text/event-stream"
    )
    errors = tmp_path / "stderr"
    terminal = Terminal("chat", "-m", "lab/priced", "--max-cost", "0.015", env=api_env, stderr_path=str(errors))
    try:
        terminal.type_line("first")  # reports $0.01: $0.005 is left
        terminal.expect("abcd" * 10)
        terminal.type_line("second")  # stopped once its running cost passes what is left
        terminal.expect("abcd")
        terminal.type_line("third")  # the conversation has spent its limit: nothing is sent
        terminal.leave()
    finally:
        terminal.close()
    assert len(chat_requests(httpserver)) == 2
    lines = [line for line in errors.read_text().splitlines() if line.startswith("sacli: error:")]
    stopped, refused = lines
    assert stopped.startswith("sacli: error: --max-cost $0.015 reached: the reply was stopped at about $0.00")
    assert stopped.endswith("at lab/priced's prices), after $0.01 spent by this run's earlier replies")
    assert refused.startswith("sacli: error: --max-cost $0.015 reached: this run has cost $0.01")
    assert refused.endswith(" (nothing was sent)")


def test_a_tiny_limit_is_shown_as_given_and_one_token_is_one(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    priced(httpserver)
    result = run("stream", "-m", "lab/priced", "--max-cost", "0.0000001", "--max-tokens", "1", "hi", env=api_env)
    assert result.returncode == ExitCode.SPENDING_LIMIT and result.stdout == b""
    assert result.stderr.decode().startswith(
        "sacli: error: --max-cost $0.0000001 cannot hold this request's worst case: about $0.001 "
        "(1 prompt token and 1 max_tokens at lab/priced's prices)"
    )
    assert chat_requests(httpserver) == []
