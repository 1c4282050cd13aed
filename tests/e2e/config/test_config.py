"""Configuration precedence, profiles, file checks, and keys kept out of every message."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"


def write_config(env: dict[str, str], text: str, mode: int = 0o600) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "sacli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def chat_ok(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    return httpserver


def sent(server: HTTPServer) -> tuple[str, str | None]:
    request, _ = server.log[-1]
    return request.get_json()["model"], request.headers.get("Authorization")


def test_flag_beats_env_beats_file_beats_default(chat_ok: HTTPServer, env: dict[str, str]) -> None:
    env["SACLI_BASE_URL"] = chat_ok.url_for("/api/v1")
    assert run("stream", "--api-key", "flag-key-123", "hi", env=env).returncode == 0
    assert sent(chat_ok) == ("openrouter/auto", "Bearer flag-key-123")

    write_config(env, 'model = "file/model"\napi_key = "file-key-123"\n')
    assert run("stream", "hi", env=env).returncode == 0
    assert sent(chat_ok) == ("file/model", "Bearer file-key-123")

    env.update(SACLI_MODEL="env/model", OPENROUTER_KEY="env-key-123")
    assert run("stream", "hi", env=env).returncode == 0
    assert sent(chat_ok) == ("env/model", "Bearer env-key-123")

    assert run("stream", "-m", "flag/model", "--api-key", "flag-key-456", "hi", env=env).returncode == 0
    assert sent(chat_ok) == ("flag/model", "Bearer flag-key-456")


def test_profile_overrides_top_level(chat_ok: HTTPServer, env: dict[str, str]) -> None:
    url = chat_ok.url_for("/api/v1")
    write_config(
        env,
        f'model = "top/model"\napi_key = "top-key-123"\nbase_url = "http://127.0.0.1:1/api/v1"\n'
        f'[profiles.local]\nbase_url = "{url}"\nmodel = "local/model"\n',
    )
    assert run("stream", "--profile", "local", "hi", env=env).returncode == 0
    assert sent(chat_ok) == ("local/model", "Bearer top-key-123")
    env["SACLI_PROFILE"] = "local"
    assert run("stream", "hi", env=env).returncode == 0


def test_unknown_profile_is_a_usage_error(env: dict[str, str]) -> None:
    write_config(env, '[profiles.a]\nmodel = "x"\n')
    result = run("stream", "--profile", "nope", "hi", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(b"sacli: error: no profile 'nope'") and b"profiles: a" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('model = "ok"\n\nmodel = "twice"\n', 3, "Cannot overwrite a value"),
        ('model = "ok"\ntemperature = 3\n', 2, "temperature must be a number from 0 to 2"),
        ('api_key = "k"\nmodel = 5\n', 2, "model must be a string"),
        ('model = "ok"\n[profiles.x]\nmodel = 5\n', 3, "profiles.x.model must be a string"),
    ],
)
def test_malformed_file_names_file_and_line(env: dict[str, str], text: str, line: int, message: str) -> None:
    path = write_config(env, text)
    result = run("stream", "--profile", "x", "hi", env=env) if "profiles" in text else run("stream", "hi", env=env)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith(f"sacli: error: invalid config file {path}") and err.count("\n") == 1
    assert f"line {line}" in err and message in err


def test_warns_when_a_file_with_a_key_is_readable_by_others(chat_ok: HTTPServer, env: dict[str, str]) -> None:
    env["SACLI_BASE_URL"] = chat_ok.url_for("/api/v1")
    path = write_config(env, 'api_key = "file-key-123"\n', mode=0o644)
    result = run("stream", "hi", env=env)
    assert result.returncode == 0
    assert (
        result.stderr
        == f"sacli: warning: {path} holds an API key and is readable by others; run: chmod 600 {path}\n".encode()
    )
    path.chmod(0o600)
    assert run("stream", "hi", env=env).stderr == b""


def test_debug_log_and_errors_never_show_keys(httpserver: HTTPServer, env: dict[str, str]) -> None:
    flag_key, env_key, file_key = "sk-or-v1-flagsecret9", "sk_live_envsecret42", "sk-or-v1-filesecret7"
    write_config(env, f'api_key = "{file_key}"\n')
    env.update(SACLI_BASE_URL=httpserver.url_for("/api/v1"), SUPER_AGENT_KEY=env_key)
    body = {"error": {"message": f"key {env_key} rejected", "type": "authentication_error"}}
    httpserver.expect_request(CHAT).respond_with_json(body, status=401)
    for args in (["--debug", "-H", "X-Api-Key: hdrsecret77", "hi"], ["--debug", "--api-key", flag_key, "hi"]):
        result = run("stream", *args, env=env)
        assert result.returncode == 3
        text = (result.stdout + result.stderr).decode()
        assert "sacli: debug: > POST" in text and "Authorization: Bearer ***" in text
        for secret in (flag_key, env_key, file_key, "hdrsecret77"):
            assert secret not in text
    env["SACLI_DEBUG"] = "1"
    result = run("stream", "hi", env=env)
    assert b"sacli: debug:" in result.stderr and env_key.encode() not in result.stderr


def test_silent_stdin_is_announced_once(chat_ok: HTTPServer, env: dict[str, str]) -> None:
    import subprocess

    from tests.support.helpers import SACLI

    env.update(SACLI_BASE_URL=chat_ok.url_for("/api/v1"), OPENROUTER_KEY="k" * 20)
    proc = subprocess.Popen(
        [SACLI, "stream", "Summarise:"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    notice = proc.stderr.readline()  # blocks until sacli has waited 5 s on the silent stdin
    assert notice == b"sacli: waiting for standard input to end (pass --no-stdin to not read it)\n"
    stdout, stderr = proc.communicate(b"late text\n", timeout=20)
    assert (proc.returncode, stdout, stderr) == (0, b"ok\n", b"")
    assert chat_ok.log[-1][0].get_json()["messages"][-1]["content"] == "Summarise:\n\nlate text\n"


def test_spinner_only_on_a_terminal_and_gone_before_the_text(chat_ok: HTTPServer, env: dict[str, str]) -> None:
    import subprocess

    from tests.support.helpers import SACLI
    from tests.support.streaming import PacedStream

    env.update(SACLI_BASE_URL=chat_ok.url_for("/api/v1"), OPENROUTER_KEY="k" * 20)
    chat_ok.clear()
    stream = PacedStream([], ["answer"])
    chat_ok.expect_request(CHAT).respond_with_handler(stream)
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [SACLI, "stream", "hi"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env
    )
    os.close(slave)
    seen = b""
    while "waiting for" not in seen.decode(errors="replace"):
        seen += os.read(master, 1024)  # the spinner frame shows on the terminal
    stream.release.set()
    stdout, _ = proc.communicate(timeout=10)
    rest = b""
    try:
        while chunk := os.read(master, 1024):
            rest += chunk
    except OSError:
        pass  # EIO: the terminal's last writer is gone
    os.close(master)
    assert proc.returncode == 0
    assert stdout == b"answer\n"
    assert (seen + rest).endswith(b"\r\x1b[K"), "the spinner erases its line before the answer"


@pytest.mark.parametrize("json_output", [False, True], ids=["tsv", "json"])
@pytest.mark.parametrize("where", ["flag", "env", "file"])
def test_show_hides_the_password_of_the_base_url(env: dict[str, str], where: str, json_output: bool) -> None:
    url = "https://user:s3cret-pass@example.com/api/v1"
    args = ["--base-url", url] if where == "flag" else []
    if where == "env":
        env["SACLI_BASE_URL"] = url
    if where == "file":
        write_config(env, f'base_url = "{url}"\n')
    result = run("config", "show", *args, *(["--json"] if json_output else []), env=env)
    assert result.returncode == 0, result.stderr
    assert b"s3cret-pass" not in result.stdout + result.stderr
    shown = "https://user:***@example.com/api/v1"
    if json_output:
        assert {row["key"]: row["value"] for row in json.loads(result.stdout)}["base_url"] == shown
    else:
        assert f"base_url\t{shown}\t" in result.stdout.decode()


BAD_URLS = [
    ("http://127.0.0.1:99999/v1", "whose port is a number from 1 to 65535"),
    ("http://127.0.0.1:0/v1", "whose port is a number from 1 to 65535"),
    ("http://localhost:http/v1", "whose port is a number from 1 to 65535"),
    ("http://", "with a host"),
    ("http://user:pw-secret@:8080/v1", "with a host"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS, ids=["port-99999", "port-0", "port-name", "no-host", "at-port"])
@pytest.mark.parametrize("where", ["flag", "env", "file"])
def test_a_base_url_that_reaches_nothing_is_a_usage_error_where_it_was_given(
    httpserver: HTTPServer, env: dict[str, str], url: str, problem: str, where: str
) -> None:
    env["OPENROUTER_KEY"] = "sk-or-v1-test"
    args = ["--base-url", url] if where == "flag" else []
    if where == "env":
        env["SACLI_BASE_URL"] = url
    path = write_config(env, f'model = "m"\nbase_url = "{url}"\n') if where == "file" else None
    result = run("stream", *args, "hi", env=env)
    assert (result.returncode, result.stdout) == (2, b""), result.stderr
    message = f"must be an http:// or https:// URL {problem}"
    line = result.stderr.decode()
    assert len(line.splitlines()) == 1 and "retrying" not in line and "pw-secret" not in line
    if where == "file":
        assert line == f"sacli: error: invalid config file {path}, line 2: base_url {message}\n"
    else:
        named = "'--base-url'" if where == "flag" else "SACLI_BASE_URL"
        shown = url.replace("pw-secret", "***")
        assert line == (
            f"sacli: error: invalid value for {named}: {message}, not '{shown}' (see 'sacli stream --help')\n"
        )


@pytest.mark.parametrize("where", ["flag", "env", "file", "profile"])
def test_a_404_says_to_check_the_base_url_where_it_came_from(
    httpserver: HTTPServer, env: dict[str, str], where: str
) -> None:
    httpserver.expect_request("/api/v1/memory/sessions").respond_with_json({"error": "no such route"}, status=404)
    url = httpserver.url_for("/api/v1")
    env["SUPER_AGENT_KEY"] = "sk_live_test_0123456789"
    args = ["--base-url", url] if where == "flag" else []
    if where == "env":
        env["SACLI_BASE_URL"] = url
    if where == "file":
        path = write_config(env, f'model = "m"\nbase_url = "{url}"\n')
    if where == "profile":
        path = write_config(env, f'[profiles.p]\nbase_url = "{url}"\n')
        args = ["--profile", "p"]
    result = run("sessions", "list", "--retries", "0", *args, env=env)
    assert result.returncode == 5
    hint = {
        "flag": "check --base-url",
        "env": "check SACLI_BASE_URL",
        "file": f"check base_url in {path}:2" if where == "file" else "",
        "profile": f"check base_url of profile p ({path}:2)" if where == "profile" else "",
    }[where]
    assert result.stderr.decode() == f"sacli: error: HTTP 404 NOT FOUND: no such route ({hint})\n"
