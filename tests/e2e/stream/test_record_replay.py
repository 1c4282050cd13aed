"""--record and --replay end to end: a run against a local server is recorded, then replayed by
the installed sacli with no key and no network, and must give what the live run gave: the same
stdout byte for byte, the same stderr lines, the same exit code, at the recorded pace. A
failure below HTTP names the recording where the live run named the host: a replay contacts none.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, chunk, event, run, sse
from tests.support.rawserver import Peer, RawServer, chunked, keyed

CHAT = "/api/v1/chat/completions"


def without_keys(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("OPENROUTER_KEY", "SUPER_AGENT_KEY")}


def record_then_replay(
    args: tuple[str, ...], env: dict[str, str], tape: Path, requests_seen: Callable[[], int], *replay_args: str
) -> tuple[subprocess.CompletedProcess[bytes], subprocess.CompletedProcess[bytes]]:
    live = run(*args, "--record", str(tape), env=env)
    seen = requests_seen()
    replayed = run(*args, "--replay", str(tape), *replay_args, env=without_keys(env))
    assert requests_seen() == seen, "the replay reached the server"
    return live, replayed


def assert_same_run(
    live: subprocess.CompletedProcess[bytes],
    replayed: subprocess.CompletedProcess[bytes],
    *,
    host: str | None = None,
    tape: Path | None = None,
) -> None:
    """The same run; ``host``, which the live run's messages name, is the server recorded in ``tape``
    in the replay's."""
    assert replayed.stdout == live.stdout
    expected = live.stderr.decode()
    if host is not None:
        assert host in expected
        expected = expected.replace(host, f"the server recorded in {tape}")
    assert replayed.stderr.decode().splitlines() == expected.splitlines()
    assert replayed.returncode == live.returncode


def assert_no_key_in(tape: Path) -> None:
    text = tape.read_text()
    for key in (OPENROUTER_KEY, SUPER_AGENT_KEY, "sk-or-v1-", "sk_live_"):
        assert key not in text, f"{key} is in the record"


@pytest.fixture
def tape(tmp_path: Path) -> Path:
    return tmp_path / "run.jsonl"


def test_a_stream_replays_byte_for_byte_and_its_record_holds_no_key(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("Hello", ", ", "world"), content_type="text/event-stream")
    args = ("stream", "--usage", "-H", "X-Api-Key: hdr-secret-value", f"my key is {OPENROUTER_KEY}, ok?")
    live, replayed = record_then_replay(args, api_env, tape, lambda: len(httpserver.log))
    assert (live.returncode, live.stdout) == (0, b"Hello, world\n")
    assert live.stderr.startswith(b"sacli: tokens:")
    assert_same_run(live, replayed)
    assert_no_key_in(tape)
    assert "hdr-secret-value" not in tape.read_text()
    (record,) = [json.loads(line) for line in tape.read_text().splitlines()]
    assert (record["method"], record["path"], record["status"]) == ("POST", CHAT, 200)
    assert record["request_body"]["messages"] == [{"role": "user", "content": "my key is ***, ok?"}]
    assert not {"Authorization", "superAgentKey", "X-Api-Key"} & set(record["request_headers"])
    assert tape.stat().st_mode & 0o777 == 0o600


def test_cookies_either_way_are_left_out_of_the_record(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(
        sse("Hi"), content_type="text/event-stream", headers={"Set-Cookie": "session=srv-cookie-value; HttpOnly"}
    )
    live, replayed = record_then_replay(
        ("stream", "-H", "Cookie: sid=my-cookie-value", "hi"), api_env, tape, lambda: len(httpserver.log)
    )
    assert live.returncode == 0 and httpserver.log[0][0].headers["Cookie"] == "sid=my-cookie-value"
    assert_same_run(live, replayed)
    text = tape.read_text()
    assert "my-cookie-value" not in text and "srv-cookie-value" not in text
    (record,) = [json.loads(line) for line in text.splitlines()]
    assert "content-type" in {name.lower() for name, _ in record["headers"]}  # the other headers are kept


def test_a_json_stream_replays_byte_for_byte(httpserver: HTTPServer, api_env: dict[str, str], tape: Path) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("a", "b"), content_type="text/event-stream")
    live, replayed = record_then_replay(("stream", "--json", "hi"), api_env, tape, lambda: len(httpserver.log))
    assert live.returncode == 0 and len(live.stdout.splitlines()) == 5
    assert_same_run(live, replayed)


def test_one_shot_chat_replays_too(httpserver: HTTPServer, api_env: dict[str, str], tape: Path) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "message": {"content": "whole"}}]}
    )
    live, replayed = record_then_replay(("chat", "hi"), api_env, tape, lambda: len(httpserver.log))
    assert live.stdout == b"whole\n"
    assert_same_run(live, replayed)


def test_a_429_then_success_replays_with_its_retry_announced(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_ordered_request(CHAT).respond_with_json(
        {"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request(CHAT).respond_with_data(
        sse("after", " the wait"), content_type="text/event-stream"
    )
    live, replayed = record_then_replay(
        ("stream", "hi"), api_env, tape, lambda: len(httpserver.log), "--replay-speed", "0"
    )
    assert live.returncode == 0 and live.stdout == b"after the wait\n"
    assert live.stderr.lower() == b"sacli: http 429 too many requests; retrying in 1.0 s (retry 1 of 2)\n"
    assert_same_run(live, replayed)
    assert [json.loads(line)["status"] for line in tape.read_text().splitlines()] == [429, 200]


def test_a_stream_cut_short_replays_as_exit_6(env: dict[str, str], tape: Path) -> None:
    def cut(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        peer.send(chunked(event(chunk(role="assistant", content="")), event(chunk("half an ans"))))
        peer.send(b'1a\r\ndata: {"choi')  # and the connection ends inside a chunk

    with RawServer(cut) as server:
        live, replayed = record_then_replay(
            ("stream", "hi"), keyed(env, server.url("/api/v1")), tape, lambda: len(server.requests)
        )
    assert live.returncode == ExitCode.NETWORK
    assert live.stdout == b"half an ans"  # no newline is added to a reply cut short
    assert live.stderr.decode().startswith(f"sacli: error: connection to {server.authority} lost: ")
    assert_same_run(live, replayed, host=server.authority, tape=tape)
    (record,) = [json.loads(line) for line in tape.read_text().splitlines()]
    assert record["end"]["error"] == "RemoteProtocolError"


def test_an_error_inside_the_stream_replays_as_exit_5(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    body = event(chunk(role="assistant", content="")) + event(chunk("partial"))
    body += event({"error": {"message": "Provider returned error", "code": 502}})
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    live, replayed = record_then_replay(("stream", "hi"), api_env, tape, lambda: len(httpserver.log))
    assert live.returncode == ExitCode.API
    assert b"Provider returned error" in live.stderr
    assert_same_run(live, replayed)


def test_a_connection_refused_replays_as_the_same_error(env: dict[str, str], tape: Path, refused_port: int) -> None:
    live_env = keyed(env, f"http://127.0.0.1:{refused_port}/api/v1")
    live, replayed = record_then_replay(("stream", "--retries", "0", "hi"), live_env, tape, lambda: 0)
    assert live.returncode == ExitCode.NETWORK
    assert_same_run(live, replayed, host=f"127.0.0.1:{refused_port}", tape=tape)
    assert (
        replayed.stderr.decode()
        == f"sacli: error: cannot connect to the server recorded in {tape}: connection refused\n"
    )


def test_a_replay_opens_no_connection_not_even_to_a_proxy(env: dict[str, str], tape: Path) -> None:
    def answer(peer: Peer) -> None:
        while peer.read_request() is not None:
            body = sse("live")
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n" % len(body))
            peer.send(body)

    with RawServer(answer) as server, RawServer(answer) as proxy:
        live_env = keyed(env, server.url("/api/v1"))
        assert run("stream", "--record", str(tape), "hi", env=live_env).returncode == 0
        assert server.accepted == 1
        proxied = {**without_keys(live_env), "HTTP_PROXY": proxy.url(""), "ALL_PROXY": proxy.url("")}
        replayed = run("stream", "--replay", str(tape), "hi", env=proxied)
        assert (replayed.returncode, replayed.stdout) == (0, b"live\n")
        assert (server.accepted, proxy.accepted) == (1, 0)  # counted where connections are accepted


# --- Timing ------------------------------------------------------------------------------------------

GAP = 0.5  # seconds between the pieces the server sends
LATE = 0.25  # how late a piece may reach stdout on a loaded machine (never early)


def paced(request: Request) -> Response:
    def body():  # type: ignore[no-untyped-def]
        yield event(chunk(role="assistant", content=""))
        for word in WORDS:
            time.sleep(GAP)  # the server's own pace: what the record has to keep
            yield event(chunk(word))
        yield event(chunk("", finish="stop")) + b"data: [DONE]\n\n"

    return Response(body(), mimetype="text/event-stream")


WORDS = ("one ", "two ", "three ", "four")


def arrivals(*args: str, env: dict[str, str]) -> list[float]:
    """When each word of the reply reached stdout, in seconds since the first; the run must succeed."""
    proc = subprocess.Popen([SACLI, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    times: list[float] = []
    shown = b""
    fd = proc.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, "sacli wrote nothing for 30 s"
        data = os.read(fd, 65536)
        if not data:
            break
        shown += data
        now = time.monotonic()
        while len(times) < len(WORDS) and "".join(WORDS[: len(times) + 1]).encode() in shown:
            times.append(now)
    assert proc.wait(30) == 0
    assert len(times) == len(WORDS), shown
    return [t - times[0] for t in times]


def recorded_offsets(tape: Path) -> list[float]:
    (record,) = [json.loads(line) for line in tape.read_text().splitlines()]
    content = [t / 1000 for t, piece in record["chunks"] if '"content":"' in piece and '"content":""' not in piece]
    return [t - content[0] for t in content]


def test_the_replay_keeps_the_recorded_pace_or_drops_it(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(paced)
    assert run("stream", "--record", str(tape), "hi", env=api_env).returncode == 0
    recorded = recorded_offsets(tape)
    assert len(recorded) == 4 and recorded[-1] >= 3 * GAP * 0.9
    quiet = without_keys(api_env)
    at_pace = arrivals("stream", "--replay", str(tape), "hi", env=quiet)
    for replayed, original in zip(at_pace[1:], recorded[1:], strict=True):  # each piece written as it came
        assert original - LATE <= replayed <= original + LATE, (at_pace, recorded)
    twice = arrivals("stream", "--replay", str(tape), "--replay-speed", "2", "hi", env=quiet)
    assert recorded[-1] / 2 - LATE <= twice[-1] <= recorded[-1] / 2 + LATE, (twice, recorded)
    at_once = arrivals("stream", "--replay", str(tape), "--replay-speed", "0", "hi", env=quiet)
    assert at_once[-1] < LATE, (at_once, recorded)


# --- Matching and running out ------------------------------------------------------------------------


def by_prompt(request: Request) -> Response:
    prompt = request.get_json()["messages"][-1]["content"]
    return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")


def test_replay_match_body_picks_the_record_of_each_prompt(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(by_prompt)
    for prompt in ("first", "second"):
        assert run("stream", "--record", str(tape), prompt, env=api_env).returncode == 0
    seen = len(httpserver.log)
    quiet = without_keys(api_env)
    for prompt in ("second", "first"):
        result = run("stream", "--replay", str(tape), "--replay-match", "body", prompt, env=quiet)
        assert (result.returncode, result.stdout) == (0, f"answer to {prompt}\n".encode())
    in_order = run("stream", "--replay", str(tape), "second", env=quiet)
    assert in_order.stdout == b"answer to first\n"  # by default the next record answers, whatever was asked
    missing = run("stream", "--replay", str(tape), "--replay-match", "body", "third", env=quiet)
    assert missing.returncode == ExitCode.USAGE
    assert missing.stderr.decode().startswith(
        f"sacli: error: the replay file {tape} has no record whose request body is this one's left for POST {CHAT}"
    )
    assert len(httpserver.log) == seen


def test_an_exhausted_replay_is_exit_2_naming_the_request(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": "busy"}, status=503, headers={"Retry-After": "0"})
    assert run("stream", "--retries", "0", "--record", str(tape), "hi", env=api_env).returncode == ExitCode.API
    result = run("stream", "--replay", str(tape), "--replay-speed", "0", "hi", env=without_keys(api_env))
    assert result.returncode == ExitCode.USAGE  # the 503 is retried, and no record is left for the retry
    lines = result.stderr.decode().splitlines()
    assert lines[0].lower() == "sacli: http 503 service unavailable; retrying in 0.0 s (retry 1 of 2)"
    assert lines[1].startswith(f"sacli: error: the replay file {tape} has no record left for POST {CHAT}")
    assert len(lines) == 2


def test_a_record_of_another_request_is_exit_2(httpserver: HTTPServer, api_env: dict[str, str], tape: Path) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json({"data": [{"id": "a/b"}]})
    assert run("models", "--record", str(tape), env=api_env).returncode == 0
    result = run("stream", "--replay", str(tape), "hi", env=without_keys(api_env))
    assert result.returncode == ExitCode.USAGE
    assert f"answers GET /api/v1/models next, not POST {CHAT}" in result.stderr.decode()


def test_sessions_and_facts_replay_without_a_key(httpserver: HTTPServer, api_env: dict[str, str], tape: Path) -> None:
    httpserver.expect_request("/api/memory/facts").respond_with_json({"success": True, "data": [{"id": "f1"}]})
    live, replayed = record_then_replay(("facts", "list"), api_env, tape, lambda: len(httpserver.log))
    assert live.stdout.startswith(b"f1\t")
    assert_same_run(live, replayed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json\n", "invalid replay file {tape} line 1: "),
        ('{"sacli_record": 1}\n', "invalid replay file {tape} line 1: a field is missing"),
        ('{"other": 1}\n', "invalid replay file {tape} line 1: not a sacli record"),
    ],
)
def test_a_broken_replay_file_is_a_usage_error(text: str, message: str, env: dict[str, str], tape: Path) -> None:
    tape.write_text(text)
    result = run("stream", "--replay", str(tape), "hi", env=env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith("sacli: error: " + message.format(tape=tape))


def test_a_missing_replay_file_and_record_with_replay_are_usage_errors(env: dict[str, str], tape: Path) -> None:
    missing = run("stream", "--replay", str(tape), "hi", env=env)
    assert missing.returncode == ExitCode.USAGE
    assert missing.stderr.decode().startswith(f"sacli: error: cannot read the replay file {tape}: No such file")
    both = run("stream", "--record", "a.jsonl", "--replay", "b.jsonl", "hi", env=env)
    assert both.returncode == ExitCode.USAGE
    assert b"--record and --replay cannot be used together" in both.stderr


def test_the_variables_name_the_files_too(httpserver: HTTPServer, api_env: dict[str, str], tape: Path) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("env"), content_type="text/event-stream")
    live = run("stream", "hi", env={**api_env, "SACLI_RECORD": str(tape)})
    seen = len(httpserver.log)
    replayed = run("stream", "hi", env={**without_keys(api_env), "SACLI_REPLAY": str(tape)})
    assert (replayed.returncode, replayed.stdout) == (live.returncode, live.stdout)
    notice = f"sacli: replaying {tape} (from SACLI_REPLAY): no request reaches the server\n"
    assert replayed.stderr.decode() == notice + live.stderr.decode()
    assert len(httpserver.log) == seen


def test_a_record_file_that_cannot_be_opened_is_a_usage_error_before_anything_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "rec.jsonl"
    result = run("stream", "--record", str(missing), "hi", env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode() == (
        f"sacli: error: cannot open the record file {missing}: No such file or directory\n"
    )
    assert httpserver.log == []


def test_a_record_file_that_was_there_with_mode_666_is_made_600(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("Hi"), content_type="text/event-stream")
    tape.write_bytes(b"")
    os.chmod(tape, 0o666)
    assert run("stream", "--record", str(tape), "hi", env=api_env).returncode == 0
    assert tape.stat().st_mode & 0o777 == 0o600
    assert len(tape.read_text().splitlines()) == 1


def test_a_replay_from_the_environment_says_so_once_and_from_the_flag_says_nothing(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("Hi"), content_type="text/event-stream")
    assert run("stream", "--record", str(tape), "hi", env=api_env).returncode == 0
    from_env = run("stream", "hi", env={**without_keys(api_env), "SACLI_REPLAY": str(tape)})
    assert (from_env.returncode, from_env.stdout) == (0, b"Hi\n")
    assert from_env.stderr.decode() == (f"sacli: replaying {tape} (from SACLI_REPLAY): no request reaches the server\n")
    from_flag = run("stream", "--replay", str(tape), "hi", env=without_keys(api_env))
    assert (from_flag.returncode, from_flag.stdout, from_flag.stderr) == (0, b"Hi\n", b"")
    assert len(httpserver.log) == 1


def test_a_replayed_404_gives_no_hint_about_a_base_url_it_never_used(
    httpserver: HTTPServer, api_env: dict[str, str], tape: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": {"message": "no such route"}}, status=404)
    live, replayed = record_then_replay(("stream", "hi"), api_env, tape, lambda: len(httpserver.log))
    assert live.stderr.decode() == "sacli: error: HTTP 404 NOT FOUND: no such route (check SACLI_BASE_URL)\n"
    assert (replayed.returncode, replayed.stdout) == (live.returncode, b"")
    assert replayed.stderr.decode() == "sacli: error: HTTP 404 NOT FOUND: no such route\n"
