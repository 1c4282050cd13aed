"""The scripting contract across commands: one --json rule, every option in the config, no surprises.

End to end: the installed sacli against a local server (pytest-httpserver), in pipes and in
pseudo-terminals, reading what the server received, stdout (parsed with json where it is
JSON), the stderr lines and the exit code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SACLI, SUPER_AGENT_KEY, event, needs_tool, run, sse
from tests.support.screen import unfolded
from tests.support.terminal import PROMPT, Terminal

CHAT = "/api/v1/chat/completions"
SESSIONS = "/api/v1/memory/sessions"
FILES = "/api/rag/files"
UPLOAD = "/api/rag/upload"
SID = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
GONE = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"
FILE_KEY = "sk-or-v1-from-the-file-0123456789"


def write_config(env: dict[str, str], text: str) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "sacli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def lines_of(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


# --- One --json rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "path", "reply"),
    [
        (["sessions", "list"], SESSIONS, {"success": True, "data": []}),
        (["files", "list"], FILES, {"files": []}),
    ],
    ids=["sessions", "files"],
)
def test_an_empty_listing_is_one_empty_json_array(
    httpserver: HTTPServer, api_env: dict[str, str], args: list[str], path: str, reply: dict
) -> None:
    httpserver.expect_request(path).respond_with_json(reply)
    result = run(*args, "--json", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == []


def test_config_show_json_is_one_array_of_key_value_source(api_env: dict[str, str]) -> None:
    result = run("config", "show", "--json", env=api_env)
    assert result.returncode == ExitCode.OK, result.stderr
    rows = json.loads(result.stdout)
    assert [row["key"] for row in rows][:3] == ["profile", "base_url", "api_key"]
    assert all(set(row) == {"key", "value", "source"} for row in rows)


def test_sessions_delete_json_has_a_line_for_the_missing_one_too(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID}", method="DELETE").respond_with_data("", status=204)
    httpserver.expect_request(f"{SESSIONS}/{GONE}", method="DELETE").respond_with_json({"error": "nope"}, status=404)
    result = run("sessions", "delete", "--yes", "--json", GONE, SID, env=api_env)
    assert result.returncode == ExitCode.API
    assert lines_of(result.stdout) == [
        {
            "id": GONE,
            "deleted": False,
            "response": None,
            "error": {"message": f"session {GONE} not found (HTTP 404)", "exit_code": 5},
        },
        {"id": SID, "deleted": True, "response": None, "error": None},
    ]


def test_files_delete_json_has_a_line_for_each_id_the_failed_and_unreached_ones_too(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{FILES}/f1", method="DELETE").respond_with_json({"success": True, "data": {"ok": 1}})
    httpserver.expect_request(f"{FILES}/f2", method="DELETE").respond_with_json({"error": "disk"}, status=500)
    result = run("files", "delete", "--yes", "--json", "--retries", "0", "f1", "f2", "f3", env=api_env)
    assert result.returncode == ExitCode.API
    failed = {"message": "deleting f2: HTTP 500 INTERNAL SERVER ERROR: disk", "exit_code": 5}
    assert lines_of(result.stdout) == [
        {"id": "f1", "deleted": True, "response": {"ok": 1}, "error": None},
        {"id": "f2", "deleted": False, "response": None, "error": failed},
        {"id": "f3", "deleted": False, "response": None, "error": None},
    ]


def test_upload_json_wait_writes_each_file_unwrapped_with_its_final_status(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("hello")
    uploaded = {"fileId": "f1", "filename": "a.txt", "status": "processing"}
    httpserver.expect_request(UPLOAD, method="POST").respond_with_json({"success": True, "data": uploaded})
    httpserver.expect_request(FILES).respond_with_json({"files": [{**uploaded, "status": "processed", "chunks": 3}]})
    result = run("upload", "--json", "--wait", "a.txt", env={**api_env, "SACLI_POLL_INTERVAL": "0.05"}, cwd=tmp_path)
    assert result.returncode == ExitCode.OK, result.stderr
    assert lines_of(result.stdout) == [
        {**uploaded, "status": "processed", "chunks": 3, "path": "a.txt", "uploaded": True, "error": None}
    ]


# --- Every option in the config file -----------------------------------------------------------------


def test_each_config_key_reaches_the_request(httpserver: HTTPServer, env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    write_config(
        env,
        f'base_url = "{httpserver.url_for("/api/v1")}"\n'
        f'api_key = "{FILE_KEY}"\n'
        f'super_agent_key = "{SUPER_AGENT_KEY}"\n'
        'model = "file/model"\nsystem = "Be brief."\ntemperature = 0.3\nmax_tokens = 77\ntop_p = 0.9\n'
        'rag = false\nsave = true\nuser_memory = true\nmemory_strategy = "summarize"\n'
        "retries = 0\nconnect_timeout = 3\nidle_timeout = 30\ntimeout = 60\n"
        '[headers]\nX-Team = "ops"\n',
    )
    result = run("stream", "hi", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stderr == b""
    (request, _), *_ = httpserver.log
    body = request.get_json()
    assert body["model"] == "file/model"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert {k: body[k] for k in ("temperature", "max_tokens", "top_p")} == {
        "temperature": 0.3,
        "max_tokens": 77,
        "top_p": 0.9,
    }
    assert {k: body[k] for k in ("useRAG", "saveToMemory", "useUserMemory", "memoryStrategy")} == {
        "useRAG": False,
        "saveToMemory": True,
        "useUserMemory": True,
        "memoryStrategy": "summarize",
    }
    assert request.headers["Authorization"] == f"Bearer {FILE_KEY}"
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
    assert request.headers["X-Team"] == "ops"


def test_retries_from_the_config_file_bound_the_attempts(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": "busy"}, status=503)
    write_config(api_env, "retries = 1\n")
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.API
    assert len(httpserver.log) == 2
    assert run("stream", "--retries", "0", "hi", env=api_env).returncode == ExitCode.API
    assert len(httpserver.log) == 3  # the flag beats the file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("top_p = 2\n", "top_p must be a number from 0 to 1"),
        ("retries = -1\n", "retries must be a whole number from 0 to 100"),
        ("retries = 1.5\n", "retries must be a whole number from 0 to 100"),
        ('rag = "yes"\n', "rag must be true or false"),
        ('memory_strategy = "forget"\n', "memory_strategy must be truncate, summarize or sliding_window"),
        ('base_url = "ftp://x"\n', "base_url must be an http:// or https:// URL"),
        ('headers = { "X-Bad" = "a\\u001bb" }\n', "headers: --header X-Bad: the value holds a control character"),
        ('headers = { "X-Team" = "café" }\n', "headers: --header X-Team: the value holds 'é' at offset 3, which is"),
    ],
)
def test_a_bad_value_in_the_file_is_a_usage_error_naming_file_and_line(
    httpserver: HTTPServer, api_env: dict[str, str], text: str, message: str
) -> None:
    path = write_config(api_env, 'model = "ok"\n' + text)
    result = run("stream", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(f"sacli: error: invalid config file {path}")
    assert ", line 2: " in result.stderr.decode() or f"{path}:2: " in result.stderr.decode()
    assert message in result.stderr.decode()
    assert httpserver.log == []


def test_an_unknown_key_is_a_warning_naming_file_line_and_key_and_the_command_runs(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    path = write_config(api_env, 'model = "ok"\ntemprature = 1\nflavour = "x"\n[profiles.p]\nbogus = 2\n')
    result = run("stream", "--profile", "p", "hi", env=api_env)
    assert result.returncode == ExitCode.OK
    assert result.stdout == b"ok\n"
    assert result.stderr.decode().splitlines() == [
        f"sacli: warning: config file {path}, line 2: unknown key 'temprature' ignored (did you mean 'temperature'?)",
        f"sacli: warning: config file {path}, line 3: unknown key 'flavour' ignored",
        f"sacli: warning: config file {path}, line 5: unknown key 'profiles.p.bogus' ignored",
    ]


def test_config_show_names_each_source_and_never_a_whole_key(api_env: dict[str, str]) -> None:
    path = write_config(
        api_env, f'api_key = "{FILE_KEY}"\nsystem = "top"\n[profiles.p]\nsystem = "from the profile"\nretries = 4\n'
    )
    del api_env["OPENROUTER_KEY"]
    result = run("config", "show", "--profile", "p", "-t", "1.5", env={**api_env, "SACLI_MODEL": "env/model"})
    assert result.returncode == ExitCode.OK, result.stderr
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in result.stdout.decode().splitlines()}
    assert rows["profile"] == ["p", "flag --profile"]
    assert rows["temperature"] == ["1.5", "flag --temperature"]
    assert rows["model"] == ["env/model", "env SACLI_MODEL"]
    assert rows["api_key"] == ["***6789", f"{path}:1"]
    assert rows["system"] == ["from the profile", f"profile p ({path}:4)"]
    assert rows["retries"] == ["4", f"profile p ({path}:5)"]
    assert rows["idle_timeout"] == ["120", "default"]
    assert rows["max_tokens"] == ["", "not set"]
    assert rows["super_agent_key"][0] == "***3210"  # from the environment, hidden too
    assert FILE_KEY not in result.stdout.decode() and SUPER_AGENT_KEY not in result.stdout.decode()


def test_config_path_prints_the_files_path_whether_or_not_it_exists(env: dict[str, str]) -> None:
    result = run("config", "path", env=env)
    assert (result.returncode, result.stdout) == (0, f"{env['XDG_CONFIG_HOME']}/sacli/config.toml\n".encode())


def test_an_environment_variable_over_the_profiles_value_is_warned_naming_both(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("ok"), content_type="text/event-stream")
    path = write_config(api_env, '[profiles.local]\nbase_url = "http://127.0.0.1:1/v1"\n')
    result = run("stream", "--profile", "local", "hi", env=api_env)
    assert result.returncode == ExitCode.OK  # the environment still wins: flag > environment > file
    warning = f"SACLI_BASE_URL overrides base_url of profile local ({path}:2); unset it to use the profile's"
    assert result.stderr.decode() == f"sacli: warning: {warning}\n"


# --- Input that cannot be sent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ELF\x00\x01binary", "standard input is not text: a NUL byte at offset 3"),
        (b"caf\xe9 au lait", "standard input is not UTF-8 text: the bytes at offset 3 are not UTF-8"),
    ],
    ids=["nul", "latin-1"],
)
def test_stdin_that_is_not_text_is_refused_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], data: bytes, message: str
) -> None:
    result = run("stream", "what is this", env=api_env, input=data)
    assert result.returncode == ExitCode.USAGE
    hint = "the prompt must be text; an image or a PDF goes with --attach FILE, or -a - from stdin"
    assert result.stderr.decode() == f"sacli: error: {message} ({hint})\n"
    assert httpserver.log == []


# An argument's bytes that are not UTF-8, as a shell passes $'caf\xe9': Python holds them as surrogate escapes.
LATIN_1 = os.fsdecode(b"caf\xe9")
NOT_UTF8 = "must be UTF-8 text (the byte 0xE9 at offset 3 is not)"


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_prompt_argument_that_is_not_utf8_is_refused_naming_it_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], command: str
) -> None:
    result = run(command, "--no-stdin", "au", LATIN_1, "lait", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    hint = "sacli reads arguments as UTF-8: convert the text (iconv -t UTF-8), or attach a file with -a"
    assert result.stderr.decode() == (
        "sacli: error: argument 2 of the prompt ('caf\\xE9') is not UTF-8 text: "
        f"the byte 0xE9 at offset 3 is not UTF-8 ({hint})\n"
    )
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("args", "variables", "named"),
    [
        (["-s", LATIN_1], {}, "'--system' / '-s'"),
        (["--rag-query", LATIN_1], {}, "'--rag-query'"),
        (["-p", f"{LATIN_1}=1"], {}, "'--param' / '-p'"),
        ([], {"SACLI_MODEL": LATIN_1}, "SACLI_MODEL"),
    ],
    ids=["system", "rag-query", "param", "SACLI_MODEL"],
)
def test_an_option_that_is_not_utf8_is_a_usage_error_naming_it(
    httpserver: HTTPServer, api_env: dict[str, str], args: list[str], variables: dict[str, str], named: str
) -> None:
    result = run("stream", *args, "hi", env={**api_env, **variables})
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    line = result.stderr.decode()
    assert line.startswith(f"sacli: error: invalid value for {named}") and NOT_UTF8 in line, line
    assert len(line.splitlines()) == 1
    assert httpserver.log == []


def test_a_json_escape_that_is_not_text_is_a_usage_error_not_a_bug(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("stream", "-p", 'note="\\udce9"', "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode().startswith(
        "sacli: error: cannot send the request: its body holds text that is not UTF-8 (the byte 0xE9 at offset "
    )
    assert httpserver.log == []


@pytest.mark.parametrize("command", ["stream", "chat"])
def test_a_session_without_the_super_agent_key_is_exit_3_before_anything_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], command: str
) -> None:
    del api_env["SUPER_AGENT_KEY"]
    result = run(command, "--session", SID, "hi", env=api_env)
    assert result.returncode == ExitCode.AUTH
    line = result.stderr.decode()
    assert line.startswith("sacli: error: --session needs the Super Agent key") and "SUPER_AGENT_KEY" in line
    assert httpserver.log == []


# --- Terminals ----------------------------------------------------------------------------------------


@pytest.fixture
def tty_env(api_env: dict[str, str]) -> dict[str, str]:
    return {**api_env, "TERM": "xterm", "NO_COLOR": "1", "INPUTRC": "/dev/null"}


def test_chat_with_stdout_in_a_file_says_a_conversation_needs_a_terminal(
    httpserver: HTTPServer, tty_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    chat = Terminal("chat", env=tty_env, stdout_path=str(log))
    try:
        shown = chat.expect("\n").decode()
        assert chat.exit_code() == ExitCode.USAGE
    finally:
        chat.close()
    assert shown.startswith("sacli: error: a conversation needs a terminal on standard output too")
    assert 'sacli chat "..." > FILE' in shown
    assert log.read_bytes() == b""
    assert httpserver.log == []


def test_ctrl_c_in_a_reply_and_while_typing_leaves_a_clean_screen_and_the_prompt(
    httpserver: HTTPServer, tty_env: dict[str, str]
) -> None:
    import threading
    from collections.abc import Iterator

    from tests.support.helpers import chunk, event

    release = threading.Event()

    def held_open(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield event(chunk("partial", role="assistant"))
            while not release.wait(0.05):
                yield b": keep-alive\n\n"

        return Response(body(), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(held_open)
    chat = Terminal("chat", env=tty_env)
    try:
        chat.type_line("tell me")
        chat.expect("partial")
        chat.interrupt()
        after_reply = chat.expect("sacli: reply stopped\r\n")
        chat.expect(PROMPT)
        chat.send("half a line")
        chat.expect("half a line")
        chat.interrupt()
        after_typing = chat.expect("^C")
        chat.expect(PROMPT)
        chat.send("/exit\r")
        assert chat.exit_code() == 0
    finally:
        release.set()
        chat.close()
    for shown in (after_reply, after_typing):
        assert b"\\x" not in shown and b"\\e" not in shown  # nothing sacli wrote was shown escaped
    assert after_typing.endswith(b"> half a line^C")  # the discarded line is marked, as a shell marks it
    assert len(httpserver.log) == 1


def test_a_table_in_50_columns_keeps_each_id_whole_on_one_line(httpserver: HTTPServer, tty_env: dict[str, str]) -> None:
    title = "A very long title about the quarterly planning of several teams and their budgets"
    record = {"id": SID, "title": title, "createdAt": "2025-01-15T10:30:00Z", "messageCount": 12}
    httpserver.expect_request(SESSIONS).respond_with_json({"data": [record]})
    narrow = {k: v for k, v in tty_env.items() if k != "COLUMNS"}  # the terminal's own width rules
    table = Terminal("sessions", "list", env=narrow, columns=50)
    try:
        assert table.exit_code() == 0
    finally:
        table.close()
    lines = table.output.decode().splitlines()
    end = max(n for n, line in enumerate(lines) if "└" in line)
    lines, notice = lines[: end + 1], unfolded(lines[end + 1 :], 50)
    assert any(SID in line for line in lines), lines
    assert all(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) <= 50 for line in lines)
    assert any("…" in line for line in lines)  # the title was shortened, not wrapped
    assert notice == "sacli: Created, Messages left out: the terminal is too narrow"  # not squeezed to nothing


def test_a_files_table_in_50_columns_leaves_out_what_does_not_fit(
    httpserver: HTTPServer, tty_env: dict[str, str]
) -> None:
    record = {"id": "file_" + "0123456789abcdef" * 2, "filename": "report.pdf", "size": 1234567, "status": "processed"}
    httpserver.expect_request("/api/rag/files").respond_with_json({"files": [record]})
    narrow = {k: v for k, v in tty_env.items() if k != "COLUMNS"}
    table = Terminal("files", "list", env=narrow, columns=50)
    try:
        assert table.exit_code() == 0
    finally:
        table.close()
    lines = table.output.decode().splitlines()
    end = max(n for n, line in enumerate(lines) if "└" in line)
    lines, notice = lines[: end + 1], unfolded(lines[end + 1 :], 50)
    header = next(line for line in lines if "ID" in line)
    cells = [cell.strip() for cell in re.sub(r"\x1b\[[0-9;]*m", "", header).strip("┃ ").split("┃")]
    assert all(cells), cells  # every heading shown has a name: no column squeezed to nothing
    assert any(record["id"] in line for line in lines)
    assert notice.startswith("sacli: ") and notice.endswith(" left out: the terminal is too narrow")


def test_an_empty_session_list_says_so_on_a_terminal(httpserver: HTTPServer, tty_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": []})
    listing = Terminal("sessions", "list", env=tty_env)
    try:
        assert listing.exit_code() == 0
    finally:
        listing.close()
    assert b"sacli: no sessions" in listing.output


@needs_tool("man")
def test_the_man_page_shows_the_chat_synopsis_whole(env: dict[str, str]) -> None:
    page = Path(__file__).resolve().parents[3] / "man" / "sacli.1"
    shown = subprocess.run(
        [shutil.which("man") or "man", "-l", str(page)],
        env={**env, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "sacli chat [OPTIONS] [PROMPT...]" in shown
    assert not re.search(r"(?<!\[)PROMPT\]", shown)


# --- Smaller things ------------------------------------------------------------------------------------


def test_a_missing_option_value_points_at_the_commands_own_help(env: dict[str, str]) -> None:
    result = run("stream", "-m", env=env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr == b"sacli: error: option '-m' requires an argument (see 'sacli stream --help')\n"


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (["files", "list"], {"files": [{"fileId": "f1"}]}),
        (["sessions", "create"], {"data": {"id": SID}}),
        (["config", "show"], None),
        (["config", "path"], None),
    ],
    ids=["files-list", "sessions-create", "config-show", "config-path"],
)
def test_every_command_says_exit_8_when_stdout_is_full(
    httpserver: HTTPServer, api_env: dict[str, str], args: list[str], answer: dict | None
) -> None:
    if answer is not None:
        httpserver.expect_request(re.compile(".*")).respond_with_json(answer)
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [SACLI, *args], stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE, env=api_env, timeout=60
        )
    assert proc.returncode == ExitCode.OUTPUT
    assert proc.stderr == b"sacli: error: cannot write standard output: No space left on device\n"


def test_the_401_hint_names_where_each_key_came_from(httpserver: HTTPServer, env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": {"message": "bad key"}}, status=401)
    path = write_config(env, f'api_key = "sk-or-v1-{"a" * 20}"\nsuper_agent_key = "{SUPER_AGENT_KEY}"\n')
    env = {**env, "SACLI_BASE_URL": httpserver.url_for("/api/v1")}
    from_file = run("stream", "hi", env=env)
    assert from_file.returncode == ExitCode.AUTH
    assert from_file.stderr.decode() == (
        "sacli: error: HTTP 401 UNAUTHORIZED: bad key (check the OpenRouter key from the config file "
        f"{path}:1 and the Super Agent key from the config file {path}:2)\n"
    )
    from_flag = run("stream", "--api-key", "sk-or-v1-flag", "hi", env=env)
    assert "check the OpenRouter key from --api-key and the Super Agent key from the config file" in (
        from_flag.stderr.decode()
    )


def test_the_reasoning_keys_of_the_config_file_ask_for_it_and_show_it(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    reasoning = event({"choices": [{"index": 0, "delta": {"content": "", "reasoning": "Weighing it. "}}]})
    httpserver.expect_request(CHAT).respond_with_data(
        reasoning + sse("The answer."), content_type="text/event-stream"
    )  # fmt: skip
    write_config(api_env, 'reasoning = "low"\nshow_reasoning = true\n')
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.OK, b"The answer.\n")
    assert result.stderr == b"Weighing it. \n"  # reasoning on stderr, its line ended before the answer
    (request, _), *_ = httpserver.log
    assert request.get_json()["reasoning"] == {"effort": "low"}


def test_ctrl_c_in_a_retrys_wait_leaves_a_clean_screen_and_the_prompt(
    httpserver: HTTPServer, tty_env: dict[str, str]
) -> None:
    busy = {"error": {"message": "busy"}}
    httpserver.expect_request(CHAT).respond_with_json(busy, status=503, headers={"Retry-After": "20"})
    chat = Terminal("chat", "--retries", "2", env=tty_env)
    try:
        chat.type_line("tell me")
        chat.expect("retrying in 20.0 s")  # the first retry's wait has begun
        chat.interrupt()
        after = chat.expect(PROMPT)
        chat.send("/exit\r")
        assert chat.exit_code() == 0
    finally:
        chat.close()
    assert b"\\x" not in after and b"\\e" not in after  # nothing sacli wrote was shown escaped
    assert b"sacli: reply stopped" in after
    assert len(httpserver.log) == 1  # the wait was cut short: no retry was sent
