"""sacli batch end to end: the installed command against a local server that answers each prompt.

The server answers "answer to PROMPT" as a stream, so every record can be checked against the
line it came from; the tests count what the server received, to see each item sent exactly
once (retries aside), none sent for a resumed id, and the shards split the input.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SACLI, chunk, event, run, sse
from tests.support.peakmem import Measured
from tests.support.rawserver import Peer, RawServer, keyed, trickled_head
from tests.support.schemas import batch_records, timeless
from tests.support.terminal import Terminal

CHAT = "/api/v1/chat/completions"


def prompt_of(request: Request) -> str:
    return request.get_json()["messages"][-1]["content"]


class Answers:
    """Answers each prompt with "answer to PROMPT"; ``refusals`` first requests get a 429 with Retry-After."""

    def __init__(self, *, refusals: int = 0, retry_after: str = "1", burst: bool = False, status: int = 429) -> None:
        self.refusals = refusals
        self.status = status
        self.retry_after = retry_after
        # burst: the refused requests are answered together, once all of them have arrived
        self.burst = threading.Barrier(refusals) if burst else None
        self.lock = threading.Lock()
        self.prompts: list[str] = []
        self.refused = 0

    def __call__(self, request: Request) -> Response:
        prompt = prompt_of(request)
        with self.lock:
            self.prompts.append(prompt)
            refuse = self.refused < self.refusals
            self.refused += refuse
        if refuse:
            if self.burst is not None:
                self.burst.wait(30)
            body = json.dumps({"error": {"message": "Rate limit exceeded", "code": 429}})
            headers = {"Retry-After": self.retry_after}
            return Response(body, status=self.status, headers=headers, mimetype="application/json")
        if prompt == "fail":
            return Response(json.dumps({"error": {"message": "bad request"}}), status=400, mimetype="application/json")
        return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")


@pytest.fixture
def answers(httpserver: HTTPServer) -> Iterator[Answers]:
    handler = Answers()
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    yield handler


def lines_of(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


def records(stdout: bytes) -> list[dict[str, Any]]:
    return batch_records(stdout)


def numbered(count: int) -> list[dict[str, Any]]:
    return [{"id": f"item-{n}", "prompt": f"prompt {n}"} for n in range(count)]


def test_every_id_is_answered_exactly_once(answers: Answers, api_env: dict[str, str]) -> None:
    items = numbered(60)
    result = run("batch", "-P", "8", env=api_env, input=lines_of(items))
    assert (result.returncode, result.stderr) == (0, b"")
    found = records(result.stdout)
    assert sorted(r["id"] for r in found) == sorted(i["id"] for i in items)
    for record in found:
        number = record["id"].removeprefix("item-")
        assert timeless(record) == {
            "id": record["id"],
            "line": int(number) + 1,
            "model_asked": "openrouter/auto",
            "text": f"answer to prompt {number}",
            "finish_reason": "stop",
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
            "error": None,
            "status": "ok",
            "exit_code": 0,
            "model": "test/model",
            "cost": None,
            "cost_estimated": False,
            "cached": None,
            "retries": 0,
        }
        assert record["duration_ms"] >= record["first_token_ms"] > 0
    assert sorted(answers.prompts) == sorted(i["prompt"] for i in items)


def test_a_file_and_the_line_fields_shape_each_request(
    httpserver: HTTPServer, answers: Answers, api_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        lines_of(
            [
                {"id": "plain", "prompt": "one"},
                {
                    "id": "own",
                    "prompt": "two",
                    "model": "openai/gpt-4o",
                    "system": "Be terse.",
                    "temperature": 0.2,
                    "max_tokens": 50,
                },
                {
                    "id": "conversation",
                    "messages": [
                        {"role": "user", "content": "hi"},
                        {"role": "assistant", "content": "hello"},
                        {"role": "user", "content": "three"},
                    ],
                },
            ]
        )
        + b"\n"  # a blank line is no item
    )
    result = run("batch", str(source), "-m", "test/default", "-s", "Be kind.", "-t", "0.9", env=api_env)
    assert result.returncode == 0, result.stderr
    bodies = {prompt_of(r): r.get_json() for r, _ in httpserver.log}
    assert bodies["one"]["model"] == "test/default" and bodies["one"]["temperature"] == 0.9
    assert bodies["one"]["messages"] == [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "one"}]
    assert (bodies["two"]["model"], bodies["two"]["temperature"], bodies["two"]["max_tokens"]) == (
        "openai/gpt-4o",
        0.2,
        50,
    )
    assert bodies["two"]["messages"][0] == {"role": "system", "content": "Be terse."}
    assert [m["content"] for m in bodies["three"]["messages"]] == ["Be kind.", "hi", "hello", "three"]
    assert all(body["stream"] is True for body in bodies.values())
    assert {r["id"] for r in records(result.stdout)} == {"plain", "own", "conversation"}


def test_a_lines_schema_checks_its_reply_and_its_attach_goes_with_its_prompt(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    def reply(request: Request) -> Response:
        content = request.get_json()["messages"][-1]["content"]
        text = '{"a": 1}' if content == "as json" else "not json" if content == "also json" else "seen"
        return Response(sse(text), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(reply)
    (tmp_path / "notes.md").write_text("ship it\n")
    schema = {"type": "object", "required": ["a"]}
    items = [
        {"id": "good", "prompt": "as json", "schema": schema},
        {"id": "bad", "prompt": "also json", "schema": schema},
        {"id": "files", "prompt": "look", "attach": ["notes.md", "https://example.com/cat.jpg"]},
    ]
    result = subprocess.run(
        [SACLI, "batch"], input=lines_of(items), capture_output=True, env=api_env, cwd=tmp_path, timeout=60
    )  # fmt: skip
    assert result.returncode == ExitCode.BATCH_FAILED
    found = {r["id"]: r for r in records(result.stdout)}
    assert found["good"]["error"] is None and found["good"]["text"] == '{"a": 1}'
    assert found["bad"]["error"]["exit_code"] == ExitCode.SCHEMA and found["bad"]["status"] == "error"
    assert found["bad"]["text"] == "not json"  # what the model sent, beside the violation
    assert found["bad"]["error"]["message"].startswith("the reply does not match --schema: it is not JSON")
    assert found["files"]["error"] is None
    bodies = [request.get_json() for request, _ in httpserver.log]
    schemas = [b["response_format"]["json_schema"]["schema"] for b in bodies if "response_format" in b]
    assert schemas == [schema, schema]
    (with_files,) = [b["messages"][-1]["content"] for b in bodies if isinstance(b["messages"][-1]["content"], list)]
    assert with_files == [
        {"type": "text", "text": "look"},
        {"type": "text", "text": "notes.md:\n\nship it\n"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]  # in the order the line gives them


def test_a_bad_line_gets_an_error_record_and_the_batch_exits_10(answers: Answers, api_env: dict[str, str]) -> None:
    text = b'{"id": "a", "prompt": "fine"}\nnot json at all\n{"id": "b"}\n'
    text += b'{"prompt": "no id"}\n{"id": "c", "prompt": "fail"}\n'
    result = run("batch", "--ordered", env=api_env, input=text)
    assert result.returncode == ExitCode.BATCH_FAILED
    found = records(result.stdout)
    assert [(r["id"], r["line"]) for r in found] == [("a", 1), (None, 2), ("b", 3), (None, 4), ("c", 5)]
    assert [r["error"]["exit_code"] if r["error"] else None for r in found] == [None, 2, 2, None, 5]
    assert found[1]["error"]["message"].startswith("line 2: not valid JSON")
    assert found[2]["error"]["message"] == 'line 3: neither "prompt" nor "messages"'
    assert found[4]["text"] is None and "bad request" in found[4]["error"]["message"]
    assert sorted(answers.prompts) == ["fail", "fine", "no id"]
    assert result.stderr.decode() == "sacli: error: batch finished with failed items: 3 of 5\n"


@pytest.mark.parametrize(("status", "reason"), [(429, "too many requests"), (503, "service unavailable")])
def test_a_burst_of_429s_or_503s_with_retry_after_pauses_every_worker_once(
    status: int, reason: str, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    handler = Answers(refusals=4, burst=True, status=status)  # the first request of each worker, refused together
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    items = numbered(12)
    result = run("batch", "-P", "4", env=api_env, input=lines_of(items))
    assert result.returncode == 0, result.stderr
    assert sorted(r["id"] for r in records(result.stdout)) == sorted(i["id"] for i in items)
    assert all(r["error"] is None for r in records(result.stdout))
    notices = result.stderr.decode().splitlines()
    assert len(notices) == 1, notices
    assert notices[0].lower().startswith(f"sacli: http {status} {reason}; every request waits 1.0 s")
    assert len(handler.prompts) == 12 + 4  # each refused request sent once more, after the pause


class LateRefusal:
    """The first request is refused once the second has arrived too (both are on their way before any
    pause); the second is refused only once the first has been sent again (so after the pause), the
    way a loaded server answers late."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = 0
        self.both = threading.Event()
        self.resent = threading.Event()
        self.prompts: list[str] = []

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.arrived += 1
            number = self.arrived
            self.prompts.append(prompt_of(request))
        refusal = Response(json.dumps({"error": {"message": "slow down"}}), status=429, headers={"Retry-After": "1"})
        if number == 1:
            assert self.both.wait(30), "the second request never came"
            return refusal
        if number == 2:
            self.both.set()
            assert self.resent.wait(30), "the first request was never sent again"
            return refusal
        self.resent.set()
        return Response(sse(f"answer to {prompt_of(request)}"), mimetype="text/event-stream")


def test_a_refusal_that_comes_back_after_the_pause_is_part_of_it(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    handler = LateRefusal()
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    result = run("batch", "-P", "2", env=api_env, input=lines_of(numbered(2)))
    assert result.returncode == 0, result.stderr
    assert all(r["error"] is None for r in records(result.stdout))
    notices = result.stderr.decode().splitlines()
    assert len(notices) == 1 and "every request waits 1.0 s" in notices[0], notices  # one burst, one notice
    assert sorted(handler.prompts) == [
        "prompt 0",
        "prompt 0",
        "prompt 1",
        "prompt 1",
    ]  # each refused one sent once more


def chunked_replies(peer: Peer) -> None:
    """Answer every request on the connection with a chunked stream, its terminating chunk apart."""
    while (request := peer.read_request()) is not None:
        prompt = json.loads(request.body)["messages"][-1]["content"]
        body = sse(f"answer to {prompt}")
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        peer.send(b"%x\r\n%s\r\n" % (len(body), body))
        peer.send(b"0\r\n\r\n")


@pytest.mark.parametrize("parallel", [1, 3])
def test_the_items_share_the_kept_alive_connections_of_one_pool(parallel: int, env: dict[str, str]) -> None:
    with RawServer(chunked_replies) as server:
        result = run(
            "batch", "-P", str(parallel), env=keyed(env, server.url("/api/v1")), input=lines_of(numbered(12))
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(r["text"] for r in records(result.stdout)) == sorted(f"answer to prompt {n}" for n in range(12))
    assert 1 <= server.accepted <= parallel  # one connection per worker at most, whatever the count of items


def done_then_silent(peer: Peer) -> None:
    """A chunked stream whose body never ends after [DONE]: the server waits for the client to hang up."""
    request = peer.read_request()
    assert request is not None
    body = sse("answer")
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
    peer.send(b"%x\r\n%s\r\n" % (len(body), body))
    peer.wait_closed()


def test_a_body_that_never_ends_after_done_costs_its_connection_not_the_run(env: dict[str, str]) -> None:
    with RawServer(done_then_silent) as server:
        result = run(
            "batch", "-P", "1", "--idle-timeout", "60", env=keyed(env, server.url("/api/v1")),
            input=lines_of(numbered(3)), timeout=30,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [r["text"] for r in records(result.stdout)] == ["answer"] * 3
    assert server.accepted == 3  # each hung up on and replaced, none waited on for the idle timeout


def test_a_trickled_head_fails_its_item_as_a_timeout_within_connect_plus_idle_timeout(env: dict[str, str]) -> None:
    with RawServer(trickled_head) as server:
        result = run(
            "batch", "-P", "2", "--connect-timeout", "0.5", "--idle-timeout", "0.5", "--retries", "0",
            env=keyed(env, server.url("/api/v1")), input=lines_of(numbered(2)), timeout=30,
        )  # fmt: skip
    assert result.returncode == ExitCode.BATCH_FAILED, result.stderr
    errors = [r["error"] for r in records(result.stdout)]
    assert [e["exit_code"] for e in errors] == [ExitCode.TIMEOUT] * 2
    assert all("did not bring its status line and headers within 1 s" in e["message"] for e in errors)


def test_429s_past_the_retries_fail_only_their_items(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    handler = Answers(refusals=2, retry_after="0")
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    result = run("batch", "-P", "1", "--retries", "1", env=api_env, input=lines_of(numbered(3)))
    assert result.returncode == ExitCode.BATCH_FAILED
    found = {r["id"]: r for r in records(result.stdout)}
    assert found["item-0"]["error"]["exit_code"] == ExitCode.RATE_LIMITED  # refused, and refused again
    assert found["item-1"]["error"] is None and found["item-2"]["error"] is None


def test_resume_sends_nothing_for_the_ids_already_done(
    answers: Answers, api_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    earlier = [
        {"id": "item-0", "text": "x", "finish_reason": "stop", "usage": None, "error": None},
        {"id": "item-1", "text": None, "finish_reason": None, "usage": None, "error": {"message": "m", "exit_code": 6}},
        {"id": "item-3", "text": "y", "finish_reason": "stop", "usage": None, "error": None},
    ]
    out.write_bytes(lines_of(earlier))
    with out.open("ab") as append:
        result = subprocess.run(
            [SACLI, "batch", "--resume", str(out)], input=lines_of(numbered(5)), stdout=append,
            stderr=subprocess.PIPE, env=api_env, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(answers.prompts) == ["prompt 1", "prompt 2", "prompt 4"]
    older, appended = out.read_bytes().split(b"\n", 3)[:3], out.read_bytes().split(b"\n", 3)[3]
    assert sorted(r["id"] for r in records(appended)) == ["item-1", "item-2", "item-4"]
    every = [json.loads(line) for line in older] + records(appended)  # the earlier run's records are older ones
    done = [r["id"] for r in every if r["error"] is None]
    assert sorted(done) == ["item-0", "item-1", "item-2", "item-3", "item-4"]


def test_two_shards_cover_the_input_exactly_once(answers: Answers, api_env: dict[str, str]) -> None:
    items = numbered(11)
    first = run("batch", "--shard", "1/2", env=api_env, input=lines_of(items))
    second = run("batch", "--shard", "2/2", env=api_env, input=lines_of(items))
    assert first.returncode == second.returncode == 0
    ids_1 = {r["id"] for r in records(first.stdout)}
    ids_2 = {r["id"] for r in records(second.stdout)}
    assert ids_1 == {f"item-{n}" for n in range(0, 11, 2)}
    assert ids_2 == {f"item-{n}" for n in range(1, 11, 2)}
    assert sorted(answers.prompts) == sorted(i["prompt"] for i in items)


@pytest.mark.parametrize("bad", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(bad: str, answers: Answers, api_env: dict[str, str]) -> None:
    result = run("batch", "--shard", bad, env=api_env, input=lines_of(numbered(2)))
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.startswith(b"sacli: error: --shard wants K/N")
    assert answers.prompts == []


class HeldFirst:
    """Holds the answer to the first prompt until every other has been answered."""

    def __init__(self, others: int) -> None:
        self.others = others
        self.answered = 0
        self.lock = threading.Lock()
        self.all_answered = threading.Event()

    def __call__(self, request: Request) -> Response:
        prompt = prompt_of(request)
        if prompt == "prompt 0":
            assert self.all_answered.wait(30)
        response = Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")
        if prompt != "prompt 0":
            response.call_on_close(self._one_more)
        return response

    def _one_more(self) -> None:
        with self.lock:
            self.answered += 1
            if self.answered == self.others:
                self.all_answered.set()


@pytest.mark.parametrize("ordered", [False, True], ids=["as-completed", "ordered"])
def test_ordered_writes_in_input_order(ordered: bool, httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(HeldFirst(others=3))
    args = ["batch", "-P", "4", *(["--ordered"] if ordered else [])]
    result = run(*args, env=api_env, input=lines_of(numbered(4)))
    assert result.returncode == 0, result.stderr
    ids = [r["id"] for r in records(result.stdout)]
    if ordered:
        assert ids == ["item-0", "item-1", "item-2", "item-3"]
    else:
        assert ids[-1] == "item-0" and sorted(ids[:3]) == ["item-1", "item-2", "item-3"]


class Hanging:
    """Answers the first ``quick`` prompts; the rest stream one piece and then hang until released."""

    def __init__(self, quick: int) -> None:
        self.quick = {f"prompt {n}" for n in range(quick)}
        self.release = threading.Event()
        self.hanging = threading.Semaphore(0)

    def __call__(self, request: Request) -> Response:
        prompt = prompt_of(request)
        if prompt in self.quick:
            return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")

        def body() -> Iterator[bytes]:
            yield event(chunk(role="assistant", content="")) + event(chunk("half"))
            self.hanging.release()
            while not self.release.wait(0.05):
                yield b": keep-alive\n\n"

        return Response(body(), mimetype="text/event-stream")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_mid_batch_leaves_whole_lines_and_ends_by_it(
    signum: int, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    handler = Hanging(quick=5)
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    proc = subprocess.Popen(
        [SACLI, "batch", "-P", "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=api_env
    )
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(lines_of(numbered(20)))
    proc.stdin.close()
    try:
        for _ in range(3):  # every worker is in the middle of a reply
            assert handler.hanging.acquire(timeout=30)
        proc.send_signal(signum)
        out, err = proc.stdout.read(), proc.stderr.read()  # to the end: sacli has gone
        proc.wait(30)
    finally:
        handler.release.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signum
    assert out.endswith(b"\n")
    found = {r["id"]: r for r in records(out)}
    assert sorted(found) == sorted(f"item-{n}" for n in range(20))  # every item has its record
    stopped = "stopped by Ctrl-C" if signum == signal.SIGINT else "stopped by SIGTERM"
    for n, record in ((int(key.removeprefix("item-")), record) for key, record in found.items()):
        if n < 5:
            assert record["status"] == "ok"
            continue
        assert (record["status"], record["exit_code"]) == ("interrupted", 128 + signum)
        cut = n < 8  # the three that were running; the others were never sent
        assert record["error"]["message"] == (stopped if cut else f"not started: {stopped}")
        assert (record["duration_ms"] is not None) is cut  # sent, and cut; its first token may be on its way
        assert cut or record["first_token_ms"] is None
    assert b"Traceback" not in err


@pytest.fixture
def own_server() -> Iterator[HTTPServer]:
    """A server of the test's own: requests a killed sacli left on their way are parsed by it
    after the test, not by the shared server during the next one."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_closed_stdout_ends_the_batch_with_141(own_server: HTTPServer, api_env: dict[str, str]) -> None:
    own_server.expect_request(CHAT).respond_with_handler(Answers())
    env = {**api_env, "SACLI_BASE_URL": own_server.url_for("/api/v1")}
    result = subprocess.run(
        ["bash", "-c", f"{SACLI} batch -P 2 | head -n 1; echo \"${{PIPESTATUS[0]}}\" >&2"],
        input=lines_of(numbered(400)), capture_output=True, env=env, timeout=60,
    )  # fmt: skip
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.decode().splitlines()[-1] == "141"
    assert b"Traceback" not in result.stderr


def test_an_unreadable_file_is_a_usage_error(answers: Answers, api_env: dict[str, str], tmp_path: Path) -> None:
    result = run("batch", str(tmp_path / "missing.jsonl"), env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(f"sacli: error: cannot read {tmp_path / 'missing.jsonl'}: No such file")
    assert answers.prompts == []


def test_on_a_terminal_stderr_shows_the_progress(answers: Answers, api_env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(lines_of([*numbered(29), {"id": "bad", "prompt": "fail"}]))
    out = tmp_path / "out.jsonl"
    terminal = Terminal("batch", str(source), env={**api_env, "NO_COLOR": "1"}, stdout_path=str(out))
    try:
        assert terminal.exit_code() == ExitCode.BATCH_FAILED
    finally:
        terminal.close()
    shown = terminal.output.decode()
    assert re.search(r"━{20} 30/30 · 1 failed · 0 running · \d+\.\d/s", shown), shown[-300:]
    assert len(records(out.read_bytes())) == 30


TINY_REPLY = sse("ok", usage=None)
TINY_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n%s" % (
    len(TINY_REPLY),
    TINY_REPLY,
)


def answer_quickly(peer: Peer) -> None:
    """Every request on the connection, answered at once, until the client closes it."""
    while True:
        head = peer.read_head()
        if head is None:
            return
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        peer.read_exactly(length)
        peer.send(TINY_RESPONSE)


def test_memory_stays_flat_over_20000_items(env: dict[str, str]) -> None:
    def peak(count: int) -> int:
        with RawServer(answer_quickly) as server:
            proc = Measured(
                [SACLI, "batch", "-P", "8"], env=keyed(env, server.url("/api/v1")),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            assert proc.stdin and proc.stdout and proc.stderr
            feeder = threading.Thread(target=_feed, args=(proc.stdin, count), daemon=True)
            feeder.start()
            written = sum(block.count(b"\n") for block in iter(lambda: proc.stdout.read(1 << 16), b""))
            proc.wait()
            status, kib = proc.peak()
            errors = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
        assert (status, written) == (0, count), errors
        return kib

    small, large = peak(1_000), peak(20_000)
    assert large <= small + 8 * 1024, (small, large)  # KiB: room for noise, none for what grows with the items


def _feed(stdin: Any, count: int) -> None:
    for start in range(0, count, 1000):
        stdin.write(b"".join(b'{"prompt": "p%d"}\n' % n for n in range(start, min(count, start + 1000))))
    stdin.close()


def test_a_retry_of_one_item_is_announced_with_its_id(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    failed_once: set[str] = set()

    def flaky(request: Request) -> Response:
        prompt = prompt_of(request)
        if prompt == "prompt 1" and prompt not in failed_once:
            failed_once.add(prompt)
            return Response('{"error": "upstream"}', status=502, mimetype="application/json")
        return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(flaky)
    result = run("batch", "-P", "2", env=api_env, input=lines_of(numbered(3)))
    assert result.returncode == 0
    (notice,) = result.stderr.decode().splitlines()
    assert notice.lower().startswith("sacli: item-1: http 502 bad gateway; retrying in ")
    assert notice.endswith("(retry 1 of 2)")
    assert len(records(result.stdout)) == 3


def test_a_batch_records_and_replays_by_body(answers: Answers, api_env: dict[str, str], tmp_path: Path) -> None:
    tape = tmp_path / "batch.jsonl"
    items = lines_of(numbered(6))
    live = run("batch", "-P", "3", "--record", str(tape), env=api_env, input=items)
    sent = len(answers.prompts)
    quiet = {k: v for k, v in api_env.items() if k not in ("OPENROUTER_KEY", "SUPER_AGENT_KEY")}
    replayed = run("batch", "-P", "3", "--replay", str(tape), "--replay-match", "body", env=quiet, input=items)
    assert live.returncode == replayed.returncode == 0

    def answered(stdout: bytes) -> list[dict[str, Any]]:
        return sorted((timeless(record) for record in records(stdout)), key=lambda record: record["id"])

    assert answered(live.stdout) == answered(replayed.stdout)
    assert len(answers.prompts) == sent
    assert len(tape.read_text().splitlines()) == 6
