"""sacli batch -m a -m b -m c: every prompt asked of every model, and the comparison at the end —
as JSON (--summary FILE, sacli batch summary --json) equal to what the records say, as a table with bars
on a terminal, and the same for the records of three shards joined with cat."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import run, sse
from tests.support.schemas import batch_records
from tests.support.screen import WIDTHS, Screen

CHAT = "/api/v1/chat/completions"
MODELS = ["lab/fast", "lab/mid", "lab/slow"]
DELAYS = {"lab/fast": 0.02, "lab/mid": 0.08, "lab/slow": 0.2}  # seconds before each model's first byte
PRICES = {"lab/fast": "0.000001", "lab/mid": "0.00001", "lab/slow": "0.0001"}  # dollars per completion token
TIMINGS = ("first_token_ms", "duration_ms")


def answer(request: Request) -> Response:
    body = request.get_json()
    model, prompt = body["model"], body["messages"][-1]["content"]
    time.sleep(DELAYS[model])  # the model's own pace: the server's, not the test's synchronisation
    if prompt == "prompt 7" and model == "lab/mid":
        return Response(json.dumps({"error": {"message": "overloaded"}}), status=400, mimetype="application/json")
    completion = 10 + len(model)
    usage: dict[str, Any] = {"prompt_tokens": 5, "completion_tokens": completion, "total_tokens": 5 + completion}
    if model != "lab/slow":  # the slow one reports no cost: sacli estimates it from the prices
        usage["cost"] = completion * float(PRICES[model])
    return Response(sse(f"{model} on {prompt}", usage=usage), mimetype="text/event-stream")


@pytest.fixture
def lab(httpserver: HTTPServer) -> None:
    priced = [{"id": m, "pricing": {"prompt": "0", "completion": PRICES[m]}} for m in MODELS]
    httpserver.expect_request("/api/v1/models").respond_with_json({"data": priced})
    httpserver.expect_request("/api/v1/generation").respond_with_json({"error": {"message": "no"}}, status=404)
    httpserver.expect_request(CHAT).respond_with_handler(answer)


def prompts(tmp_path: Path, count: int = 20) -> Path:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"p{n}", "prompt": f"prompt {n}"}) + "\n" for n in range(count)))
    return source


ARGS = ["batch", "-P", "8", "-m", MODELS[0], "-m", MODELS[1], "-m", MODELS[2], "--max-cost", "100"]


def recomputed(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary as the README defines it, worked out here from the records."""

    def nearest(values: list[float], p: int) -> float:
        ordered = sorted(values)
        return ordered[math.ceil(p / 100 * len(ordered)) - 1]

    models = []
    for model in sorted({r["model_asked"] for r in records}):
        mine = [r for r in records if r["model_asked"] == model]
        ok = [r for r in mine if r["status"] == "ok"]
        costs = [r["cost"] for r in mine if r["cost"] is not None]
        entry: dict[str, Any] = {"model": model, "items": len(mine), "ok": len(ok), "failed": len(mine) - len(ok)}
        for key in TIMINGS:
            values = [r[key] for r in ok]
            entry[key] = {"p50": nearest(values, 50), "p95": nearest(values, 95)}
        entry["tokens_in"] = sum((r["usage"] or {}).get("prompt_tokens", 0) for r in mine)
        entry["tokens_out"] = sum((r["usage"] or {}).get("completion_tokens", 0) for r in mine)
        entry["cost"] = round(math.fsum(costs), 10) if costs else None
        entry["cost_estimated"] = any(r["cost_estimated"] for r in mine)
        entry["schema"] = None
        models.append(entry)
    return {"items": len(records), "models": models}


def test_every_prompt_of_every_model_and_a_summary_that_the_records_bear_out(
    lab: None, api_env: dict[str, str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"
    result = run(*ARGS, "--summary", str(summary), str(prompts(tmp_path)), env=api_env)
    assert result.returncode == ExitCode.BATCH_FAILED, result.stderr
    assert result.stderr.decode() == "sacli: error: batch finished with failed items: 1 of 60\n"
    records = batch_records(result.stdout)
    assert sorted((r["id"], r["model_asked"]) for r in records) == sorted(
        (f"p{n}", m) for n in range(20) for m in MODELS
    )
    for record in records:
        if record["status"] == "ok":
            assert record["text"] == f"{record['model_asked']} on prompt {record['id'][1:]}"
    written = json.loads(summary.read_text())
    assert written == recomputed(records)
    slow = written["models"][2]
    assert (slow["model"], slow["cost_estimated"], slow["cost"]) == ("lab/slow", True, pytest.approx(20 * 18 * 1e-4))
    assert [m["failed"] for m in written["models"]] == [0, 1, 0]
    again = run("batch", "summary", "--json", "-", env=api_env, input=result.stdout)  # the same from the records file
    assert json.loads(again.stdout) == written


def test_the_shards_joined_with_cat_summarise_as_one_run_and_resume_per_model(
    lab: None, api_env: dict[str, str], tmp_path: Path, httpserver: HTTPServer
) -> None:
    source = prompts(tmp_path, 10)
    whole = run(*ARGS, str(source), env=api_env)
    shards = [run(*ARGS, "--shard", f"{k}/3", str(source), env=api_env) for k in (1, 2, 3)]
    sizes = [len(batch_records(shard.stdout)) for shard in shards]
    assert sizes == [10, 10, 10]  # the 30 (prompt, model) pairs, split evenly
    joined = tmp_path / "joined.jsonl"
    joined.write_bytes(b"".join(shard.stdout for shard in shards))
    parts = [tmp_path / f"part-{k}.jsonl" for k in (1, 2, 3)]
    for part, shard in zip(parts, shards, strict=True):
        part.write_bytes(shard.stdout)

    def figures(stdout: bytes) -> dict[str, Any]:
        document = json.loads(stdout)
        for model in document["models"]:
            for key in TIMINGS:
                model.pop(key)  # the timings differ from run to run; all else must not
        return document

    from_cat = run("batch", "summary", "--json", str(joined), env=api_env)
    from_files = run("batch", "summary", "--json", *map(str, parts), env=api_env)
    from_whole = run("batch", "summary", "--json", env=api_env, input=whole.stdout)
    assert figures(from_cat.stdout) == figures(from_files.stdout) == figures(from_whole.stdout)
    assert json.loads(from_cat.stdout) == recomputed(batch_records(joined.read_bytes()))
    # Resuming the joined records sends only the one pair that failed: (p7, lab/mid).
    before = len([r for r, _ in httpserver.log if r.path == CHAT])
    resumed = run(*ARGS, "--resume", str(joined), str(source), env=api_env)
    sent = [r.get_json() for r, _ in httpserver.log if r.path == CHAT][before:]
    assert [(b["model"], b["messages"][-1]["content"]) for b in sent] == [("lab/mid", "prompt 7")]
    assert [(r["id"], r["model_asked"]) for r in batch_records(resumed.stdout)] == [("p7", "lab/mid")]


def test_models_per_line(lab: None, api_env: dict[str, str]) -> None:
    lines = [
        {"id": "both", "prompt": "x", "models": ["lab/fast", "lab/slow"]},
        {"id": "one", "prompt": "y", "model": "lab/mid"},
        {"id": "default", "prompt": "z"},
        {"id": "bad", "prompt": "w", "models": "lab/fast"},
    ]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    result = run("batch", "--ordered", "-m", "lab/fast", env=api_env, input=data)
    found = [(r["id"], r["model_asked"], r["status"]) for r in batch_records(result.stdout)]
    assert found == [
        ("both", "lab/fast", "ok"), ("both", "lab/slow", "ok"), ("one", "lab/mid", "ok"),
        ("default", "lab/fast", "ok"), ("bad", None, "error"),
    ]  # fmt: skip


@pytest.mark.parametrize("columns", WIDTHS)
def test_on_a_terminal_the_comparison_is_a_table_with_bars_within_the_width(
    columns: int, lab: None, api_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    screen = Screen(
        *ARGS, str(prompts(tmp_path)), env={**api_env, "TERM": "xterm-256color"}, columns=columns,
        stdout_path=str(out),
    )  # fmt: skip
    try:
        assert screen.finish() == ExitCode.BATCH_FAILED
    finally:
        screen.close()
    shown = [line.rstrip() for line in screen.scrollback if line.strip()]
    assert all(len(line) <= columns for line in shown), shown
    rows = {model: next(line for line in shown if model in line) for model in MODELS}
    bars = {model: sum(line.count(c) for c in "█▏▎▍▌▋▊▉") for model, line in rows.items()}
    assert bars["lab/slow"] > bars["lab/mid"] > bars["lab/fast"] > 0, shown  # to scale: the slowest longest
    assert "19/20" in rows["lab/mid"] and "20/20" in rows["lab/fast"]
    assert len(batch_records(out.read_bytes())) == 60


@pytest.mark.parametrize("columns", WIDTHS)
def test_batch_summary_on_a_terminal_draws_the_table_from_a_records_file(
    columns: int, lab: None, api_env: dict[str, str], tmp_path: Path
) -> None:
    records = tmp_path / "answers.jsonl"
    records.write_bytes(run(*ARGS, str(prompts(tmp_path, 9)), env=api_env).stdout)
    screen = Screen("batch", "summary", str(records), env={**api_env, "TERM": "xterm-256color"}, columns=columns)
    try:
        assert screen.finish() == 0
    finally:
        screen.close()
    shown = [line.rstrip() for line in screen.scrollback if line.strip()]
    assert all(len(line) <= columns for line in shown), shown
    rows = {model: next(line for line in shown if model in line) for model in MODELS}
    bars = {model: sum(line.count(c) for c in "█▏▎▍▌▋▊▉") for model, line in rows.items()}
    assert bars["lab/slow"] > bars["lab/mid"] > bars["lab/fast"] > 0, shown
    assert "9/9" in rows["lab/fast"] and "8/9" in rows["lab/mid"]


def test_the_schema_pass_rate_and_the_summary_in_a_pipe(lab: None, api_env: dict[str, str], tmp_path: Path) -> None:
    schema = {"type": "object"}  # the canned replies are plain text: none matches
    lines = [{"id": "s", "prompt": "x", "schema": schema}, {"id": "plain", "prompt": "y"}]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    summary = tmp_path / "summary.json"
    result = run("batch", "-m", "lab/fast", "--summary", str(summary), env=api_env, input=data)
    assert result.returncode == ExitCode.BATCH_FAILED
    found = {r["id"]: r for r in batch_records(result.stdout)}
    assert found["s"]["schema_ok"] is False and found["s"]["text"] == "lab/fast on x"  # kept beside the violation
    assert "schema_ok" not in found["plain"]
    (model,) = json.loads(summary.read_text())["models"]
    assert model["schema"] == {"checked": 1, "passed": 0, "rate": 0.0}
    tsv = run("batch", "summary", str(summary.with_name("records.jsonl")), env=api_env)
    assert tsv.returncode == ExitCode.USAGE and tsv.stderr.decode().startswith("sacli: error: cannot read ")
    piped = run("batch", "summary", env=api_env, input=result.stdout)  # in a pipe: one TSV line per model, no ANSI
    assert piped.returncode == 0 and b"\x1b" not in piped.stdout
    fields = piped.stdout.decode().rstrip("\n").split("\t")
    assert fields[:4] == ["lab/fast", "2", "1", "1"]
    assert fields[11:] == ["0", "0.0"]  # cost_estimated as sacli usage's TSV writes it, then the schema rate


def test_a_summary_file_that_cannot_be_written_is_refused_before_anything_is_sent(
    lab: None, api_env: dict[str, str], tmp_path: Path, httpserver: HTTPServer
) -> None:
    result = run("batch", "--summary", str(tmp_path / "no" / "such.json"), env=api_env, input=b'{"prompt": "x"}\n')
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode().startswith(f"sacli: error: cannot write --summary {tmp_path}/no/such.json: ")
    assert not [r for r, _ in httpserver.log if r.path == CHAT]


def test_summary_refuses_lines_that_are_not_records(api_env: dict[str, str], tmp_path: Path) -> None:
    prompts_file = prompts(tmp_path, 2)
    result = run("batch", "summary", str(prompts_file), env=api_env)
    assert result.returncode == ExitCode.USAGE
    expected = f"sacli: error: {prompts_file}: line 1 is not a batch record (sacli schema batch)\n"
    assert result.stderr.decode() == expected
