"""sacli sessions end to end: the installed command against a local Memory API.

Each command is run in its three output modes: a pipe (tab-separated lines), a pseudo-terminal
(rich tables, local and relative times) and --json (the API's objects).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.term.timefmt import human_time, parse_timestamp
from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, run, sse

SESSIONS = "/api/v1/memory/sessions"
SID1 = "0c6b6c0e-3e0f-4f6e-9a7a-3f1c2d4e5f60"
SID2 = "5d1f0a52-8a3c-4b5e-9f10-2b7c9d8e6a41"
SID3 = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"
OLD = "2025-01-15T10:30:00Z"
# POSIX TZ without tzdata: local time is UTC+05:30, so 10:30Z shows as 16:00.
LOCAL_TZ = "XYZ-5:30"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

S1 = {"id": SID1, "title": "Chat about AI", "createdAt": OLD, "messageCount": 5, "updatedAt": OLD, "owner": {"x": 1}}
S2 = {"id": SID2, "title": "nightly\tbuild", "createdAt": "2025-02-01T08:00:00Z", "messageCount": 0}


def recent(seconds: int) -> str:
    """An ISO time ``seconds`` ago; shown as "N min ago" for the rest of that minute."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def run_pty(
    *args: str,
    env: dict[str, str],
    answer: bytes | None = None,
    interactive: bool = False,
    timeout: float = 30,
) -> tuple[int, str, bytes]:
    """Run sacli with stdout on a pseudo-terminal: (exit code, terminal text, stderr).

    ``interactive`` puts stdin and stderr on the terminal too (then the text holds both);
    ``answer`` is typed once a ``[y/N]`` question has appeared.
    """
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [SACLI, *args],
        stdin=slave if interactive else subprocess.DEVNULL,
        stdout=slave,
        stderr=slave if interactive else subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    data = b""
    answered = answer is None
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc.kill()
                pytest.fail(f"sacli did not finish on the terminal; it wrote {data!r}")
            ready, _, _ = select.select([master], [], [], remaining)
            if not ready:
                continue
            try:
                piece = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not piece:
                break
            data += piece
            if not answered and b"[y/N] " in data:
                os.write(master, answer)  # type: ignore[arg-type]
                answered = True
        _, stderr = proc.communicate(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    text = ANSI.sub("", data.decode("utf-8", "replace")).replace("\r\n", "\n")
    return proc.returncode, text, stderr or b""


def requests_to(httpserver: HTTPServer, path_prefix: str = SESSIONS) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path.startswith(path_prefix)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each row of a rich table (box drawing stripped)."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line)[1:-1]]
        if cells and any(cells):
            rows.append(cells)
    return rows


# --- list ---------------------------------------------------------------------------------------


def test_list_off_a_terminal_writes_one_tab_separated_line_per_session(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS, method="GET").respond_with_json({"data": [S1, S2]})
    result = run("sessions", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    # Raw createdAt, no header, a tab inside a title becomes a space.
    assert (
        result.stdout == (f"{SID1}\tChat about AI\t{OLD}\t5\n{SID2}\tnightly build\t2025-02-01T08:00:00Z\t0\n").encode()
    )
    assert result.stderr == b""
    (request,) = requests_to(httpserver)
    assert request.args.get("limit") == "50"


def test_list_sends_the_super_agent_key_the_bearer_key_and_accepts_json(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": []})
    assert run("sessions", "list", env=api_env).returncode == 0
    (request,) = requests_to(httpserver)
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
    assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("sacli/")


def test_without_an_openrouter_key_only_the_super_agent_key_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    del api_env["OPENROUTER_KEY"]
    httpserver.expect_request(SESSIONS).respond_with_json({"data": [S1]})
    result = run("sessions", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    (request,) = requests_to(httpserver)
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
    assert "Authorization" not in request.headers


def test_list_reads_the_success_data_envelope_and_passes_the_limit(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS, query_string="limit=7").respond_with_json(
        {"success": True, "data": [S2], "pagination": {"total": 1}}
    )
    result = run("sessions", "list", "--limit", "7", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split("\t")[0] == SID2


def test_list_json_is_the_api_array_with_unknown_fields_kept(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"success": True, "data": [S1, S2]})
    result = run("sessions", "list", "--json", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(b"\n") == 1
    assert json.loads(result.stdout) == [S1, S2]
    assert result.stderr == b""


def test_list_on_a_terminal_is_a_table_with_local_and_relative_times(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    fresh = {"id": SID3, "title": "fresh\x1b[2J", "createdAt": recent(330), "messageCount": 2}
    httpserver.expect_request(SESSIONS).respond_with_json({"data": [S1, fresh]})
    api_env.update(TZ=LOCAL_TZ, NO_COLOR="1")
    code, text, stderr = run_pty("sessions", "list", env=api_env)
    assert code == 0, stderr
    rows = table_rows(text)
    assert rows[0] == ["ID", "Title", "Created", "Messages"]
    assert [SID1, "Chat about AI", "2025-01-15 16:00", "5"] in rows
    # Escape sequences from the API are shown, not executed.
    assert [SID3, "fresh\\e[2J", "5 min ago", "2"] in rows
    assert OLD not in text
    assert stderr == b""


def test_an_empty_list_prints_nothing_in_a_pipe_or_on_a_terminal(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": []})
    result = run("sessions", "list", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    code, text, stderr = run_pty("sessions", "list", env=api_env)
    assert (code, text, stderr) == (0, "", b"")


def test_an_empty_list_with_json_is_an_empty_array(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"success": True, "data": []})
    result = run("sessions", "list", "--json", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"[]\n")


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_a_limit_outside_1_to_100_is_a_usage_error(limit: str, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("sessions", "list", "--limit", limit, env=api_env)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"sacli: error: ")
    assert requests_to(httpserver) == []


def test_a_reply_without_a_list_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json({"data": {"id": SID1}})
    result = run("sessions", "list", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b""
    assert b"no list of sessions" in result.stderr


def test_a_server_error_is_retried_like_stream(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_ordered_request(SESSIONS).respond_with_json(
        {"error": {"message": "busy"}}, status=503, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request(SESSIONS).respond_with_json({"data": [S1]})
    result = run("sessions", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(SID1.encode())
    assert b"retrying" in result.stderr
    assert len(requests_to(httpserver)) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["create", "--title", "t"],
        ["show", SID1],
        ["rename", SID1, "t"],
        ["delete", "--yes", SID1],
    ],
    ids=lambda args: args[0],
)
def test_every_command_needs_the_super_agent_key(
    args: list[str], httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    del api_env["SUPER_AGENT_KEY"]
    result = run("sessions", *args, env=api_env)
    assert result.returncode == 3
    assert result.stdout == b""
    assert result.stderr.startswith(b"sacli: error: no Super Agent key configured")
    assert OPENROUTER_KEY.encode() not in result.stderr
    assert httpserver.log == []


def test_a_401_is_an_auth_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS).respond_with_json(
        {"error": {"message": "Invalid API key provided", "type": "authentication_error"}}, status=401
    )
    result = run("sessions", "list", env=api_env)
    assert result.returncode == 3
    assert b"Invalid API key provided" in result.stderr
    assert SUPER_AGENT_KEY.encode() not in result.stderr


# --- create -------------------------------------------------------------------------------------


def test_create_prints_only_the_new_id(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json(
        {"data": {"id": SID1, "title": "nightly", "createdAt": OLD, "messageCount": 0}}, status=201
    )
    result = run("sessions", "create", "--title", "nightly", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SID1}\n".encode()
    assert result.stderr == b""
    (request,) = requests_to(httpserver)
    assert request.get_json() == {"title": "nightly"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY


def test_create_in_a_shell_substitution(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"success": True, "data": {"id": SID2}})
    script = 'SID=$("$SACLI" sessions create --title nightly) && printf "<%s>" "$SID"'
    result = subprocess.run(
        ["sh", "-c", script], env={**api_env, "SACLI": SACLI}, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"<{SID2}>".encode()


def test_create_with_an_id_sends_it_as_session_id_and_takes_no_title(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"data": {"id": SID3}})
    result = run("sessions", "create", "--id", SID3, env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SID3}\n".encode()
    assert result.stderr == b""
    (request,) = requests_to(httpserver)
    assert request.get_json() == {"sessionId": SID3}


def test_create_warns_about_an_id_that_is_not_a_uuid(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"data": {"id": "my-run"}})
    result = run("sessions", "create", "--id", "my-run", env=api_env)
    assert result.returncode == 0
    assert result.stdout == b"my-run\n"
    assert result.stderr == (
        b"sacli: warning: session ID 'my-run' is not a UUID; the API says memory operations may fail\n"
    )


def test_create_json_prints_the_api_object(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    created = {"id": SID1, "title": "nightly", "createdAt": OLD, "messageCount": 0, "userId": "u1"}
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"success": True, "data": created})
    result = run("sessions", "create", "--title", "nightly", "--json", env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == created


def test_create_on_a_terminal_prints_only_the_id_too(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"data": {"id": SID1, "title": "x"}})
    code, text, stderr = run_pty("sessions", "create", env=api_env)
    assert (code, text, stderr) == (0, f"{SID1}\n", b"")
    (request,) = requests_to(httpserver)
    assert request.get_json() == {}


def test_create_reply_without_an_id_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json({"success": True, "data": {"title": "x"}})
    result = run("sessions", "create", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b""
    assert b"no session ID" in result.stderr


def test_create_with_an_existing_id_is_not_retried(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(SESSIONS, method="POST").respond_with_json(
        {"success": False, "error": "Session already exists"}, status=409
    )
    result = run("sessions", "create", "--id", SID1, env=api_env)
    assert result.returncode == 5
    assert result.stderr.startswith(b"sacli: error: HTTP 409 ")
    assert result.stderr.endswith(b": Session already exists\n")
    assert len(requests_to(httpserver)) == 1


# --- show ---------------------------------------------------------------------------------------

DETAIL = {
    **S1,
    "messages": [
        {"role": "user", "content": "What is SSE?", "createdAt": OLD},
        {"role": "assistant", "content": "Server-sent\nevents.", "createdAt": OLD},
    ],
}


def test_show_off_a_terminal_writes_field_lines_then_message_lines(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="GET").respond_with_json({"data": DETAIL})
    result = run("sessions", "show", SID1, env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        f"id\t{SID1}\n"
        "title\tChat about AI\n"
        f"createdAt\t{OLD}\n"
        "messageCount\t5\n"
        f"updatedAt\t{OLD}\n"
        'owner\t{"x": 1}\n'
        "message\tuser\tWhat is SSE?\n"
        "message\tassistant\tServer-sent events.\n"
    )
    assert result.stderr == b""
    (request,) = requests_to(httpserver)
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY


def test_show_without_messages_writes_the_core_fields_even_when_missing(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID2}").respond_with_json({"success": True, "data": {"id": SID2}})
    result = run("sessions", "show", SID2, env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"id\t{SID2}\ntitle\t\ncreatedAt\t\nmessageCount\t\n".encode()


def test_show_json_is_the_api_object(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}").respond_with_json({"success": True, "data": DETAIL})
    result = run("sessions", "show", "--json", SID1, env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == DETAIL


def test_show_on_a_terminal_shows_fields_and_messages_as_tables(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}").respond_with_json({"data": DETAIL})
    api_env.update(TZ=LOCAL_TZ, NO_COLOR="1")
    code, text, stderr = run_pty("sessions", "show", SID1, env=api_env)
    assert code == 0, stderr
    rows = table_rows(text)
    assert rows[0] == ["Field", "Value"]
    assert ["id", SID1] in rows
    assert ["createdAt", "2025-01-15 16:00"] in rows
    assert ["messageCount", "5"] in rows
    assert "Messages" in text
    assert ["Role", "Content", "Time"] in rows
    assert ["user", "What is SSE?", "2025-01-15 16:00"] in rows
    assert ["assistant", "Server-sent", "2025-01-15 16:00"] in rows  # the newline is kept on a terminal
    assert stderr == b""


def test_show_of_a_missing_session_names_it_and_exits_5(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID3}").respond_with_json(
        {"success": False, "error": "Session not found"}, status=404
    )
    result = run("sessions", "show", SID3, env=api_env)
    assert result.returncode == 5
    assert result.stdout == b""
    # The server's reason phrase ("Not Found") is its own business; the message around it is ours.
    assert result.stderr == f"sacli: error: session {SID3} not found (HTTP 404) (see 'sacli sessions list')\n".encode()
    assert len(requests_to(httpserver)) == 1  # a 404 is not retried


def test_show_quotes_the_id_into_one_path_segment(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/a/b").respond_with_json({"data": {"id": "a/b"}})
    result = run("sessions", "show", "a/b", env=api_env)
    assert result.returncode == 0, result.stderr
    (request,) = requests_to(httpserver)
    assert request.environ["REQUEST_URI"] == f"{SESSIONS}/a%2Fb"


# --- rename -------------------------------------------------------------------------------------


def test_rename_patches_the_title_and_prints_the_session(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    renamed = {**S1, "title": "AI notes"}
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PATCH").respond_with_json({"data": renamed})
    result = run("sessions", "rename", SID1, "AI notes", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SID1}\tAI notes\t{OLD}\t5\n".encode()
    assert result.stderr == b""
    (request,) = requests_to(httpserver)
    assert request.method == "PATCH"
    assert request.get_json() == {"title": "AI notes"}
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
    assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"


def test_rename_falls_back_to_put_on_405(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PATCH").respond_with_json(
        {"error": {"message": "Method Not Allowed"}}, status=405
    )
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PUT").respond_with_json(
        {"success": True, "data": {**S1, "title": "AI notes"}}
    )
    result = run("sessions", "rename", SID1, "AI notes", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SID1}\tAI notes\t{OLD}\t5\n".encode()
    assert result.stderr == b""
    assert [(r.method, r.get_json()) for r in requests_to(httpserver)] == [
        ("PATCH", {"title": "AI notes"}),
        ("PUT", {"title": "AI notes"}),
    ]


def test_rename_gives_up_when_put_is_not_allowed_either(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}").respond_with_data("", status=405)
    result = run("sessions", "rename", SID1, "x", env=api_env)
    assert result.returncode == 5
    assert result.stderr.startswith(b"sacli: error: HTTP 405 ")
    assert [r.method for r in requests_to(httpserver)] == ["PATCH", "PUT"]


def test_rename_of_a_missing_session_exits_5_without_trying_put(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID3}").respond_with_json({"error": {"message": "not found"}}, status=404)
    result = run("sessions", "rename", SID3, "x", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b""
    assert f"session {SID3} not found".encode() in result.stderr
    assert [r.method for r in requests_to(httpserver)] == ["PATCH"]


def test_rename_json_prints_the_api_object(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    renamed = {**S1, "title": "AI notes", "updatedAt": "2025-03-01T00:00:00Z"}
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PATCH").respond_with_json({"data": renamed})
    result = run("sessions", "rename", "--json", SID1, "AI notes", env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == renamed


def test_rename_with_an_empty_reply_shows_what_is_known(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PATCH").respond_with_data("", status=204)
    result = run("sessions", "rename", SID1, "AI notes", env=api_env)
    assert (result.returncode, result.stdout) == (0, f"{SID1}\tAI notes\t\t\n".encode())
    result = run("sessions", "rename", "--json", SID1, "AI notes", env=api_env)
    assert json.loads(result.stdout) == {"id": SID1, "title": "AI notes"}


def test_rename_on_a_terminal_is_a_table(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="PATCH").respond_with_json(
        {"data": {**S1, "title": "AI notes"}}
    )
    api_env.update(TZ=LOCAL_TZ, NO_COLOR="1")
    code, text, stderr = run_pty("sessions", "rename", SID1, "AI notes", env=api_env)
    assert code == 0, stderr
    assert table_rows(text) == [["ID", "Title", "Created", "Messages"], [SID1, "AI notes", "2025-01-15 16:00", "5"]]


# --- delete -------------------------------------------------------------------------------------


def test_delete_with_yes_prints_each_deleted_id(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="DELETE").respond_with_json({"success": True})
    httpserver.expect_request(f"{SESSIONS}/{SID2}", method="DELETE").respond_with_data("", status=204)
    result = run("sessions", "delete", "--yes", SID1, SID2, SID1, env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{SID1}\n{SID2}\n".encode()
    assert result.stderr == b""
    requests = requests_to(httpserver)
    assert [r.path for r in requests] == [f"{SESSIONS}/{SID1}", f"{SESSIONS}/{SID2}"]  # the repeated ID once
    assert all(r.headers["superAgentKey"] == SUPER_AGENT_KEY for r in requests)


def test_delete_without_a_terminal_and_without_yes_is_a_usage_error(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("sessions", "delete", SID1, env=api_env)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"sacli: error: refusing to delete without confirmation: no terminal to ask on (pass --yes)\n"
    )
    assert httpserver.log == []


def test_delete_with_stdout_alone_on_a_terminal_still_needs_yes(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    code, text, stderr = run_pty("sessions", "delete", SID1, env=api_env)
    assert (code, text) == (2, "")
    assert b"pass --yes" in stderr
    assert httpserver.log == []


def test_delete_on_a_terminal_asks_and_deletes_on_y(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="DELETE").respond_with_json({"data": {"id": SID1}})
    code, text, _ = run_pty("sessions", "delete", SID1, env=api_env, interactive=True, answer=b"y\n")
    assert code == 0, text
    assert f"Delete session {SID1}? [y/N] " in text
    assert text.endswith(f"deleted {SID1}\n")
    assert [r.method for r in requests_to(httpserver)] == ["DELETE"]


def test_delete_on_a_terminal_deletes_nothing_unless_told_yes(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    code, text, _ = run_pty("sessions", "delete", SID1, SID2, env=api_env, interactive=True, answer=b"\n")
    assert code == 0, text
    assert " ".join(text.split()).startswith(f"Delete 2 sessions ({SID1}, {SID2})? [y/N] ")  # folded to the width
    assert text.endswith("sacli: nothing deleted\n")
    assert httpserver.log == []


def test_delete_json_writes_one_object_per_deleted_session(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="DELETE").respond_with_json(
        {"success": True, "data": {"id": SID1, "deleted": True}}
    )
    httpserver.expect_request(f"{SESSIONS}/{SID2}", method="DELETE").respond_with_data("", status=204)
    result = run("sessions", "delete", "--yes", "--json", SID1, SID2, env=api_env)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"id": SID1, "deleted": True, "response": {"id": SID1, "deleted": True}, "error": None},
        {"id": SID2, "deleted": True, "response": None, "error": None},
    ]


def test_delete_goes_on_past_missing_sessions_then_names_them_and_exits_5(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    for sid in (SID1, SID3):
        httpserver.expect_request(f"{SESSIONS}/{sid}", method="DELETE").respond_with_json(
            {"error": "Session not found"}, status=404
        )
    httpserver.expect_request(f"{SESSIONS}/{SID2}", method="DELETE").respond_with_data("", status=204)
    result = run("sessions", "delete", "-y", SID1, SID2, SID3, env=api_env)
    assert result.returncode == 5
    assert result.stdout == f"{SID2}\n".encode()
    assert result.stderr == f"sacli: error: 2 sessions not found: {SID1}, {SID3}\n".encode()
    assert len(requests_to(httpserver)) == 3


def test_delete_of_one_missing_session_gives_the_server_reason(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID3}", method="DELETE").respond_with_json(
        {"error": "Session not found"}, status=404
    )
    result = run("sessions", "delete", "-y", SID3, env=api_env)
    assert result.returncode == 5
    assert result.stdout == b""
    assert result.stderr.startswith(f"sacli: error: session {SID3} not found (HTTP 404)".encode())


def test_delete_stops_at_an_error_that_is_not_a_missing_session(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{SESSIONS}/{SID1}", method="DELETE").respond_with_data("", status=204)
    httpserver.expect_request(f"{SESSIONS}/{SID2}", method="DELETE").respond_with_json(
        {"error": {"message": "bad key"}}, status=401
    )
    result = run("sessions", "delete", "-y", SID1, SID2, SID3, env=api_env)
    assert result.returncode == 3
    assert result.stdout == f"{SID1}\n".encode()
    assert len(requests_to(httpserver)) == 2


# --- the --session warning of stream ---------------------------------------------------------------


def _chat_handler(request: Request) -> Response:
    return Response(sse("ok"), content_type="text/event-stream")


@pytest.mark.parametrize(("session", "warned"), [("my-notes", True), (SID1, False)])
def test_stream_warns_when_the_session_is_not_a_uuid_and_still_sends_it(
    session: str, warned: bool, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request("/api/v1/chat/completions", method="POST").respond_with_handler(_chat_handler)
    result = run("stream", "--session", session, "hi", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"ok\n"
    warning = f"sacli: warning: session ID {session!r} is not a UUID; the API says memory operations may fail\n"
    assert result.stderr == (warning.encode() if warned else b"")
    (request,) = requests_to(httpserver, "/api/v1/chat/completions")
    assert request.get_json()["sessionId"] == session


# --- pieces -------------------------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2025-06-01T11:59:30Z", "just now"),
        ("2025-06-01T12:00:20Z", "just now"),  # the server's clock a little ahead
        ("2025-06-01T11:54:59.500Z", "5 min ago"),
        ("2025-06-01T09:00:00+00:00", "3 h ago"),
        ("2025-06-01T14:30:00+05:30", "3 h ago"),
        ("2025-06-01T09:00:00", "3 h ago"),  # no offset: UTC
        (int(NOW.timestamp() - 120) * 1000, "2 min ago"),  # epoch milliseconds
        (NOW.timestamp() - 120, "2 min ago"),  # epoch seconds
        ("yesterday", "yesterday"),
        (None, ""),
        (True, "True"),
    ],
)
def test_human_time(value: object, shown: str) -> None:
    assert human_time(value, now=NOW) == shown


def test_human_time_shows_older_times_in_local_time() -> None:
    when = parse_timestamp("2025-01-15T10:30:00Z")
    assert when is not None
    assert human_time("2025-01-15T10:30:00Z", now=NOW) == when.astimezone().strftime("%Y-%m-%d %H:%M")
    assert human_time("2025-06-03T12:00:00Z", now=NOW) == parse_timestamp("2025-06-03T12:00:00Z").astimezone().strftime(
        "%Y-%m-%d %H:%M"
    )  # the future


def test_the_sessions_command_module_loads_neither_the_network_code_nor_rich() -> None:
    code = "import sys, sacli.cli.app, sacli.commands.sessions; print(sorted({m.split('.')[0] for m in sys.modules}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=True)
    loaded = json.loads(result.stdout.decode().replace("'", '"'))
    assert "socket" not in loaded
    assert "rich" not in loaded


# text that is not UTF-8 (a shell's $'caf\xe9': Python holds the byte as a surrogate escape)

LATIN_1 = os.fsdecode(b"caf\xe9")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["create", "--title", LATIN_1], "'--title'"),
        (["show", LATIN_1], "'ID'"),
        (["rename", SID1, LATIN_1], "'TITLE'"),
        (["delete", "--yes", SID1, LATIN_1], "'ID...'"),
    ],
    ids=["create", "show", "rename", "delete"],
)
def test_text_that_is_not_utf8_is_a_usage_error_naming_it_and_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], args: list[str], named: str
) -> None:
    result = run("sessions", *args, env=api_env)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode().startswith(
        f"sacli: error: invalid value for {named}: must be UTF-8 text (the byte 0xE9 at offset 3 is not)"
    )
    assert httpserver.log == []
