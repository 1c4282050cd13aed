"""Optional values attached with ``=``, as GNU tools take them: ``--events=1`` and ``--cache=AGE``.
Written apart, the next word is the prompt; an option's own value and the words after ``--`` are
never read as one."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import answer, run, sse
from tests.support.schemas import events_of

CHAT = "/api/v1/chat/completions"


def sent(httpserver: HTTPServer) -> list[dict]:
    return [request.get_json() for request, _ in httpserver.log if request.path == CHAT]


def test_events_1_names_the_version_and_another_is_refused(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    answer(httpserver, sse("hello"))
    result = run("stream", "--events=1", "hi", env=api_env)
    assert result.returncode == 0
    assert [e["type"] for e in events_of(result.stdout, 0)][-2:] == ["usage", "end"]
    refused = run("stream", "--events=2", "hi", env=api_env)
    assert refused.returncode == ExitCode.USAGE and refused.stdout == b""
    assert refused.stderr.decode().startswith("sacli: error: --events=2: this sacli writes version 1 of the events")
    assert len(sent(httpserver)) == 1


def test_a_word_after_the_option_is_the_prompt_and_an_options_value_is_its_own(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    answer(httpserver, sse("hello"))
    apart = run("stream", "--events", "2", env=api_env)
    assert apart.returncode == 0 and events_of(apart.stdout, 0)
    system = run("stream", "-s", "--events=2", "hi", env=api_env)
    assert system.returncode == 0 and system.stdout == b"hello\n"
    after_dashes = run("stream", "--", "--events=2", env=api_env)
    assert after_dashes.returncode == 0 and after_dashes.stdout == b"hello\n"
    first, second, third = sent(httpserver)
    assert first["messages"] == [{"role": "user", "content": "2"}]
    assert second["messages"] == [{"role": "system", "content": "--events=2"}, {"role": "user", "content": "hi"}]
    assert third["messages"] == [{"role": "user", "content": "--events=2"}]


def test_cache_with_an_age_is_the_cache_and_its_ttl(api_env: dict[str, str]) -> None:
    shown = run("config", "show", "--cache=2h", env=api_env)
    assert shown.returncode == 0
    rows = dict(line.split("\t", 1) for line in shown.stdout.decode().splitlines())
    assert rows["cache"] == "true\tflag --cache" and rows["cache_ttl"] == "2h\tflag --cache-ttl"
    bad = run("stream", "--cache=banana", "hi", env=api_env)
    assert bad.returncode == ExitCode.USAGE
    assert bad.stderr.decode() == "sacli: error: --cache-ttl wants an age (30m, 12h, 7d, 4w), got 'banana'\n"
