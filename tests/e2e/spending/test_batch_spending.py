"""A batch under a budget starts no item once the budget is reached, and every item still gets its
record; --max-cost-item caps each reply."""

from __future__ import annotations

import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.helpers import SACLI, run, sse

CHAT = "/api/v1/chat/completions"
MODELS = "/api/v1/models"
ITEM_COST = 0.05
USAGE = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cost": ITEM_COST}


def items(count: int, prefix: str = "question") -> bytes:
    return b"".join(json.dumps({"id": n, "prompt": f"{prefix} {n}"}).encode() + b"\n" for n in range(count))


def test_a_batch_under_a_budget_stops_starting_items_and_writes_every_record(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(sse("answer", usage=USAGE), content_type="text/event-stream")
    api_env.update(SACLI_LOG_DB=str(tmp_path / "logs.db"))
    budget, parallel = 1.0, 8
    result = run(
        "batch", "-P", str(parallel), "--budget", str(budget), "--tag", "nightly", env=api_env, input=items(50)
    )
    assert result.returncode == ExitCode.SPENDING_LIMIT
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["id"] for r in records) == list(range(50))  # a record for every item
    answered = [r for r in records if r["error"] is None]
    refused = [r for r in records if r["error"] is not None]
    sent = [request for request, _ in httpserver.log if request.path == CHAT]
    assert len(sent) == len(answered)  # a refused item was never sent
    # The budget covers 20 items; at most the items in flight when it was reached come on top.
    assert 20 <= len(answered) <= 20 + parallel
    assert len(answered) * ITEM_COST <= budget + parallel * ITEM_COST + 1e-9  # 28 * 0.05 is 1.4000000000000001
    assert {r["error"]["exit_code"] for r in refused} == {ExitCode.SPENDING_LIMIT}
    assert all(r["error"]["message"].startswith("not started: --budget $1 reached") for r in refused)
    last = result.stderr.decode().splitlines()[-1]
    assert last.startswith("sacli: error: --budget $1 reached: the exchanges tagged 'nightly' have cost $")
    assert f"; {len(refused)} of 50 items failed or were not started (each has its record)" in last
    # A second run of the same scope starts nothing.
    again = run("batch", "--budget", str(budget), "--tag", "nightly", env=api_env, input=items(3))
    assert again.returncode == ExitCode.SPENDING_LIMIT
    assert len([request for request, _ in httpserver.log if request.path == CHAT]) == len(sent)


def test_max_cost_item_stops_each_reply_that_passes_it(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(MODELS).respond_with_json(
        {"data": [{"id": "lab/priced", "pricing": {"prompt": "0", "completion": "0.001"}}]}
    )
    long_answer = sse(*(["abcd"] * 100), usage=USAGE)  # 100 tokens: $0.1 at the price
    httpserver.expect_request(CHAT).respond_with_data(long_answer, content_type="text/event-stream")
    result = run("batch", "-m", "lab/priced", "--max-cost-item", "0.01", env=api_env, input=items(3))
    assert result.returncode == ExitCode.BATCH_FAILED  # items failed; the batch itself was not stopped
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    for record in records:
        assert record["error"]["exit_code"] == ExitCode.SPENDING_LIMIT
        assert record["error"]["message"].startswith("--max-cost-item $0.01 reached")


def test_two_batches_at_once_share_one_budget(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    seen: set[str] = set()
    both = threading.Event()

    def together(request: Request) -> Response:
        seen.add(request.get_json()["messages"][-1]["content"].split()[0])
        if len(seen) == 2:
            both.set()
        assert both.wait(60), "the second batch never asked"  # no answer until both runs are asking
        return Response(sse("answer", usage=USAGE), content_type="text/event-stream")

    httpserver.expect_request(CHAT).respond_with_handler(together)
    env = {**api_env, "SACLI_LOG_DB": str(tmp_path / "logs.db"), "SACLI_BUDGET": "1", "SACLI_BUDGET_SCOPE": "job"}
    args = [SACLI, "batch", "-P", "4"]
    runs = [subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:  # both inputs written at once, each run read to its end
        outputs = list(
            pool.map(lambda pair: pair[0].communicate(items(30, pair[1]), timeout=120)[0], zip(runs, "ab", strict=True))
        )
    records = [json.loads(line) for out in outputs for line in out.splitlines()]
    others = [r["error"] for r in records if r["error"] and not r["error"]["message"].startswith("not started")]
    assert [proc.returncode for proc in runs] == [ExitCode.SPENDING_LIMIT] * 2, others
    assert len(records) == 60  # every item of both has its record
    answered = sum(1 for record in records if record["error"] is None)
    sent = sum(1 for request, _ in httpserver.log if request.path == CHAT)
    assert answered == sent
    # 20 items spend the budget; each run may have had its 4 in flight (a worker logs its item's row
    # before it takes another), and may have started one more in the moment before a row landed.
    assert 20 <= answered <= 20 + 2 * 4 + 2
    assert all(any(json.loads(line)["error"] is None for line in out.splitlines()) for out in outputs)  # both spent
