"""sacli memory end to end: the installed command against a local server that answers the memory
analytics endpoints with the reference's own examples, in a pipe (tab-separated lines) and with
--json; what is sent (path, query, superAgentKey), and each failure's exit code and one error line."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.e2e.memory.documented import ACCESS, ROOT, STATS, STORAGE, TIMELINE, Analytics, reply
from tests.support.helpers import AUTH_HINT, SUPER_AGENT_KEY, run

COMMANDS = {"stats": "stats", "timeline": "timeline", "storage": "storage", "access": "access-patterns"}


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[Analytics]:
    analytics = Analytics()
    httpserver.expect_request(re.compile(f"^{ROOT}/.*$")).respond_with_handler(analytics)
    yield analytics


def ok(*args: str, env: dict[str, str]) -> str:
    result = run("memory", *args, env=env)
    assert (result.returncode, result.stderr) == (0, b""), result.stderr
    return result.stdout.decode()


def one_error_line(result: subprocess.CompletedProcess[bytes], code: int) -> str:
    assert (result.returncode, result.stdout) == (code, b"")
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("sacli: error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr.decode(), result.stderr
    assert result.stderr.decode().splitlines()[-1] == errors[0]
    return errors[0]


def test_stats_in_a_pipe_and_as_json(server: Analytics, api_env: dict[str, str]) -> None:
    assert ok("stats", env=api_env) == (
        "total\tall\t156\n"
        "category\tpreference\t42\ncategory\tpersonal\t28\ncategory\twork\t35\ncategory\tother\t51\n"
        "level\tuser\t120\nlevel\tsession\t36\n"
        "source\tapi\t45\nsource\texplicit_command\t67\nsource\tauto_detected\t44\n"
        "recent\tlast24h\t12\nrecent\tlast7d\t45\nrecent\tlast30d\t89\n"
    )
    assert json.loads(ok("stats", "--json", env=api_env)) == STATS["data"]
    assert server.requests == [(f"{ROOT}/stats", {}, SUPER_AGENT_KEY)] * 2


def test_timeline_sends_its_defaults_and_writes_a_line_per_period(server: Analytics, api_env: dict[str, str]) -> None:
    assert ok("timeline", env=api_env) == (
        "2024-01-15\t8\n2024-01-16\t3\n2024-01-17\t0\n2024-01-18\t12\n2024-01-19\t5\n2024-01-20\t1\n2024-01-21\t7\n"
    )
    assert server.requests == [(f"{ROOT}/timeline", {"groupBy": "day", "days": "30"}, SUPER_AGENT_KEY)]


@pytest.mark.parametrize("group_by", ["hour", "day", "week", "month"])
def test_timeline_sends_group_by_and_days(group_by: str, server: Analytics, api_env: dict[str, str]) -> None:
    assert json.loads(ok("timeline", "--group-by", group_by, "--days", "90", "--json", env=api_env)) == TIMELINE["data"]
    assert server.requests == [(f"{ROOT}/timeline", {"groupBy": group_by, "days": "90"}, SUPER_AGENT_KEY)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group-by", "year"], "--group-by takes hour, day, week, month; got 'year'"),
        (["--days", "0"], "'--days'"),
        (["--days", "1.5"], "'--days'"),
    ],
)
def test_timeline_refuses_a_bad_option_before_sending(
    args: list[str], message: str, server: Analytics, api_env: dict[str, str]
) -> None:
    line = one_error_line(run("memory", "timeline", *args, env=api_env), ExitCode.USAGE)
    assert message in line
    assert server.requests == []


def test_storage_in_a_pipe_and_as_json(server: Analytics, api_env: dict[str, str]) -> None:
    assert ok("storage", env=api_env) == (
        "usedBytes\t524288\nusedFormatted\t512 KB\nlimitBytes\t104857600\nlimitFormatted\t100 MB\n"
        "percentUsed\t0.5\nfactCount\t156\navgFactSize\t3361\n"
    )
    assert json.loads(ok("storage", "--json", env=api_env)) == STORAGE["data"]
    assert [path for path, _, _ in server.requests] == [f"{ROOT}/storage"] * 2


def test_access_in_a_pipe_and_as_json_with_its_limit(server: Analytics, api_env: dict[str, str]) -> None:
    assert ok("access", env=api_env) == (
        "fact-1\t47\t2024-01-15T10:30:00Z\t...\nfact-2\t12\t2024-01-14T08:00:00Z\tPrefers TypeScript\n"
    )
    assert json.loads(ok("access", "--limit", "3", "--json", env=api_env)) == ACCESS["data"]
    assert server.requests == [
        (f"{ROOT}/access-patterns", {"limit": "10"}, SUPER_AGENT_KEY),
        (f"{ROOT}/access-patterns", {"limit": "3"}, SUPER_AGENT_KEY),
    ]


def test_empty_lists_write_nothing_or_an_empty_array(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    empty = Analytics({"timeline": {"success": True, "data": []}, "access-patterns": {"success": True, "data": []}})
    httpserver.expect_request(re.compile(f"^{ROOT}/.*$")).respond_with_handler(empty)
    assert ok("timeline", env=api_env) == ok("access", env=api_env) == ""
    assert ok("timeline", "--json", env=api_env) == ok("access", "--json", env=api_env) == "[]\n"


def test_a_reply_with_fields_missing_or_of_other_types(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    odd = Analytics(
        {
            "stats": {"success": True, "data": {"byCategory": {"work": "many", "x": None}, "byLevel": [1, 2]}},
            "storage": {"data": {"usedBytes": 10**40, "percentUsed": "half"}},
            "timeline": [{"date": None, "count": 1.5}, {"count": {"n": 1}}],
        }
    )
    httpserver.expect_request(re.compile(f"^{ROOT}/.*$")).respond_with_handler(odd)
    assert ok("stats", env=api_env) == "total\tall\t\ncategory\twork\tmany\ncategory\tx\t\n"
    storage = ok("storage", env=api_env).splitlines()
    assert storage[0] == f"usedBytes\t{10**40}" and storage[4] == "percentUsed\thalf" and storage[5] == "factCount\t"
    assert ok("timeline", env=api_env) == '\t1.5\n\t{"n": 1}\n'


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_needs_the_super_agent_key(command: str, server: Analytics, api_env: dict[str, str]) -> None:
    env = {k: v for k, v in api_env.items() if k != "SUPER_AGENT_KEY"}
    line = one_error_line(run("memory", command, env=env), ExitCode.AUTH)
    assert line.startswith("sacli: error: no Super Agent key configured")
    assert server.requests == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_key_the_server_refuses_is_exit_3(command: str, server: Analytics, api_env: dict[str, str]) -> None:
    line = one_error_line(run("memory", command, env={**api_env, "SUPER_AGENT_KEY": "sk_live_wrong"}), ExitCode.AUTH)
    assert "HTTP 401" in line and "Invalid API key provided" in line and line.endswith(f"({AUTH_HINT})")
    assert len(server.requests) == 1  # a 401 is not retried


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_without_the_endpoint_is_exit_5(command: str, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{ROOT}/{COMMANDS[command]}").respond_with_json({"error": "Not found"}, status=404)
    line = one_error_line(run("memory", command, env=api_env), ExitCode.API)
    assert line == "sacli: error: HTTP 404 NOT FOUND: Not found (check SACLI_BASE_URL)"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_error_is_exit_5_after_the_retries(
    command: str, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    body = {"error": {"message": "boom", "type": "server_error", "code": "internal_error"}}
    httpserver.expect_request(f"{ROOT}/{COMMANDS[command]}").respond_with_handler(lambda request: reply(body, 500))
    result = run("memory", command, "--retries", "1", env=api_env)
    assert "HTTP 500" in one_error_line(result, ExitCode.API) and "boom" in result.stderr.decode()
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_that_cannot_be_reached_is_exit_6(command: str, refused_port: int, api_env: dict[str, str]) -> None:
    env = {**api_env, "SACLI_BASE_URL": f"http://127.0.0.1:{refused_port}/api/v1"}
    line = one_error_line(run("memory", command, "--retries", "0", env=env), ExitCode.NETWORK)
    assert f"cannot connect to 127.0.0.1:{refused_port}" in line


@pytest.mark.parametrize(
    ("command", "body", "message"),
    [
        ("stats", "<html>Bad gateway</html>", "the reply from /api/dashboard/memory/stats is not valid JSON"),
        ("timeline", '{"success": true, "data": "nope"}', "the reply to the memory timeline holds no list of objects"),
        ("storage", "[1, 2]", "the reply to the memory storage holds no JSON object"),
        ("access", '{"data": [{"id": "f"}, 2]}', "the reply to the access patterns holds no list of objects"),
    ],
)
def test_a_reply_that_is_not_the_documented_shape_is_exit_5(
    command: str, body: str, message: str, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{ROOT}/{COMMANDS[command]}").respond_with_data(body, content_type="application/json")
    line = one_error_line(run("memory", command, env=api_env), ExitCode.API)
    assert line.startswith(f"sacli: error: {message}"), line
