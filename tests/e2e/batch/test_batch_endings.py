"""However a batch ends — --timeout, Ctrl-C, SIGTERM, --item-timeout — every item has one record
with its status, and --resume afterwards sends exactly the items that were not answered."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SACLI, USAGE, chunk, event, run, sse
from tests.support.schemas import batch_records

CHAT = "/api/v1/chat/completions"


def lines_of(items: list[dict[str, Any]]) -> bytes:
    import json

    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


def numbered(count: int) -> list[dict[str, Any]]:
    return [{"id": f"item-{n}", "prompt": f"prompt {n}"} for n in range(count)]


class Stalling:
    """Answers every prompt; those from ``first_stalled`` on stream a piece, then stall until released."""

    def __init__(self, first_stalled: int) -> None:
        self.first_stalled = first_stalled
        self.release = threading.Event()
        self.stalled = threading.Semaphore(0)
        self.lock = threading.Lock()
        self.prompts: Counter[str] = Counter()

    def __call__(self, request: Request) -> Response:
        prompt = request.get_json()["messages"][-1]["content"]
        with self.lock:
            self.prompts[prompt] += 1
        if not prompt.startswith("prompt ") or int(prompt.split()[1]) < self.first_stalled:
            return Response(sse(f"answer to {prompt}"), mimetype="text/event-stream")

        def body() -> Iterator[bytes]:
            yield event(chunk(role="assistant", content="")) + event(chunk("half"))
            self.stalled.release()
            while not self.release.wait(0.05):
                yield b": keep-alive\n\n"
            yield event(chunk(" and the rest", finish="stop")) + event({**chunk(), "choices": [], "usage": USAGE})
            yield b"data: [DONE]\n\n"

        return Response(body(), mimetype="text/event-stream")


@pytest.fixture
def stalling(httpserver: HTTPServer) -> Iterator[Stalling]:
    handler = Stalling(first_stalled=2)
    httpserver.expect_request(CHAT).respond_with_handler(handler)
    yield handler
    handler.release.set()


ENDINGS = {
    "timeout": ("timeout", ExitCode.TIMEOUT, "timed out after 2 s (--timeout)"),
    "ctrl-c": ("interrupted", 130, "stopped by Ctrl-C"),
    "sigterm": ("interrupted", 143, "stopped by SIGTERM"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_every_item_has_its_record_however_the_run_ends_and_resume_finishes_the_rest(
    ending: str, stalling: Stalling, api_env: dict[str, str], tmp_path: Path
) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(lines_of(numbered(6)))
    args = [SACLI, "batch", "-P", "2", str(source), *(["--timeout", "2"] if ending == "timeout" else [])]
    proc, err = ended_mid_batch(args, out, api_env, stalling, ending)  # both workers in a stalled reply
    status, code, message = ENDINGS[ending]
    if ending == "timeout":
        assert proc.returncode == ExitCode.TIMEOUT
        assert err.splitlines()[-1] == (
            "sacli: error: timed out after 2 s (--timeout); 4 of 6 items failed, were cut or were not started "
            "(each has its record; --resume finishes the rest)"
        )
    else:
        assert proc.returncode == 128 - code and "Traceback" not in err
    found = {record["id"]: record for record in batch_records(out.read_bytes())}
    assert sorted(found) == [f"item-{n}" for n in range(6)]
    for n in range(6):
        record = found[f"item-{n}"]
        if n < 2:
            assert (record["status"], record["text"]) == ("ok", f"answer to prompt {n}")
            continue
        assert (record["status"], record["exit_code"], record["error"]["exit_code"]) == (status, code, code)
        cut = n < 4
        assert record["error"]["message"] == (message if cut else f"not started: {message}")
        assert record["text"] is None and (record["duration_ms"] is not None) is cut
    assert stalling.prompts == Counter(f"prompt {n}" for n in range(4))  # the last two never sent

    stalling.release.set()
    stalling.prompts.clear()
    with out.open("ab") as stdout:
        again = subprocess.run(
            [SACLI, "batch", "-P", "2", "--resume", str(out), str(source)], stdout=stdout, stderr=subprocess.PIPE,
            env=api_env, timeout=60,
        )  # fmt: skip
    assert (again.returncode, again.stderr) == (0, b"")
    assert stalling.prompts == Counter(f"prompt {n}" for n in range(2, 6))  # exactly the rest, once each
    answered = [record["id"] for record in batch_records(out.read_bytes()) if record["status"] == "ok"]
    assert sorted(answered) == [f"item-{n}" for n in range(6)]


def test_item_timeout_cuts_only_the_slow_items(stalling: Stalling, api_env: dict[str, str]) -> None:
    result = run("batch", "-P", "4", "--item-timeout", "0.5", env=api_env, input=lines_of(numbered(4)))
    assert result.returncode == ExitCode.BATCH_FAILED, result.stderr
    found = {record["id"]: record for record in batch_records(result.stdout)}
    assert [found[f"item-{n}"]["status"] for n in range(4)] == ["ok", "ok", "timeout", "timeout"]
    for n in (2, 3):
        record = found[f"item-{n}"]
        assert record["error"] == {"message": "the item took longer than 0.5 s (--item-timeout)", "exit_code": 7}
        assert record["duration_ms"] >= 500 and record["first_token_ms"] is not None
    assert result.stderr.decode() == "sacli: error: batch finished with failed items: 2 of 4\n"


def test_an_input_pipe_that_stays_open_is_read_no_further_once_it_falls_silent(
    stalling: Stalling, api_env: dict[str, str]
) -> None:
    proc = subprocess.Popen(
        [SACLI, "batch", "-P", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=api_env
    )
    assert proc.stdin and proc.stdout and proc.stderr
    try:
        proc.stdin.write(lines_of(numbered(10)))
        proc.stdin.flush()  # and left open, as a producer that goes on would
        for _ in range(2):
            assert stalling.stalled.acquire(timeout=30)
        proc.send_signal(signal.SIGINT)
        out, err = proc.stdout.read(), proc.stderr.read().decode()
        proc.wait(30)
    finally:
        proc.stdin.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGINT
    found = {record["id"]: record for record in batch_records(out)}
    assert sorted(found) == sorted(f"item-{n}" for n in range(10))
    assert [found[f"item-{n}"]["error"]["message"] for n in (2, 9)] == [
        "stopped by Ctrl-C",
        "not started: stopped by Ctrl-C",
    ]
    assert err == (
        "sacli: warning: the input was read no further than line 10 once the run ended: the items after it "
        "have no record (--resume finds them)\n"
    )


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_with_two_models_every_pair_has_its_record_and_resume_finishes_the_rest(
    ending: str, stalling: Stalling, api_env: dict[str, str], tmp_path: Path
) -> None:
    models = ["lab/a", "lab/b"]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(lines_of(numbered(6)))
    base = [SACLI, "batch", "-P", "2", "-m", models[0], "-m", models[1]]
    args = [*base, str(source), *(["--timeout", "2"] if ending == "timeout" else [])]
    proc, err = ended_mid_batch(args, out, api_env, stalling, ending)  # both workers in a stalled reply
    status, code, message = ENDINGS[ending]
    assert proc.returncode == (ExitCode.TIMEOUT if ending == "timeout" else 128 - code) and "Traceback" not in err
    records = batch_records(out.read_bytes())
    pairs = {(record["id"], record["model_asked"]): record for record in records}
    assert len(records) == len(pairs) == 12  # one record per item x model, none twice
    assert set(pairs) == {(f"item-{n}", model) for n in range(6) for model in models}
    for (item, _), record in pairs.items():
        if int(item.split("-")[1]) < 2:
            assert record["status"] == "ok"
            continue
        assert (record["status"], record["exit_code"]) == (status, code)
        cut = item == "item-2"
        assert record["error"]["message"] == (message if cut else f"not started: {message}")
    assert stalling.prompts == Counter({"prompt 0": 2, "prompt 1": 2, "prompt 2": 2})

    stalling.release.set()
    stalling.prompts.clear()
    with out.open("ab") as stdout:
        again = subprocess.run(
            [*base, "--resume", str(out), str(source)], stdout=stdout, stderr=subprocess.PIPE, env=api_env,
            timeout=60,
        )  # fmt: skip
    assert (again.returncode, again.stderr) == (0, b"")
    assert stalling.prompts == Counter({f"prompt {n}": 2 for n in range(2, 6)})  # exactly the rest, once per model
    answered = [(r["id"], r["model_asked"]) for r in batch_records(out.read_bytes()) if r["status"] == "ok"]
    assert sorted(answered) == sorted(pairs)


def ended_mid_batch(
    args: list[str], out: Path, env: dict[str, str], stalling: Stalling, ending: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Run the batch into ``out`` until both its workers are in a stalled reply, then end it as
    ``ending`` says (a timeout ends by itself); the finished process and its stderr."""
    with out.open("wb") as stdout:
        proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        try:
            for _ in range(2):
                assert stalling.stalled.acquire(timeout=30)
            if ending != "timeout":
                proc.send_signal(signal.SIGINT if ending == "ctrl-c" else signal.SIGTERM)
            err = proc.stderr.read().decode()
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
    return proc, err
