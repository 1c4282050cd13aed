"""What the local log costs, and how fast it is searched (standard library, and the sacli under test).

    python benchmarks/logs.py [--venv DIR] [--runs N]

1. Full-text search: a log of 10,000 exchanges (prompts and replies of a few hundred words),
   one reply holding a rare word; the median time of ``sacli.store.logquery.select`` finding it,
   and of the whole ``sacli logs -q WORD`` command beside ``sacli logs -n 1``.
2. ``sacli stream`` against the local SSE server of benchmarks/sse_server.py, run after run with
   ``--no-log`` and with the log on, interleaved: the process's CPU time (user + system) and its
   start-up (spawn until the server has the whole request), medians and the median of the pairs'
   differences. The log is written after the answer, so the start-up should not move.
3. ``sacli batch`` of 200 items at -P 8, with and without the log: CPU per item.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from paired import run_measured, serve

HERE = Path(__file__).resolve().parent
WORDS = ["the", "a", "build", "test", "log", "error", "failed", "passed", "model",
         "reply", "token", "cost", "stream", "server", "client", "cache", "time"]  # fmt: skip


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(100)) for _ in range(words))


def make_log(path: Path, rows: int) -> None:
    from sacli.store.logdb import write_many
    from sacli.store.logquery import new_id

    rng = random.Random(7)
    batch = []
    for n in range(rows):
        reply = text(rng, 300) + (" xylophone" if n == rows // 2 else "")
        batch.append({"id": new_id(), "started_at": f"2026-12-0{1 + n % 9}T10:00:00.000Z", "status": "ok",
                      "prompt": text(rng, 60), "reply": reply, "model": "bench/model", "exit_code": 0})  # fmt: skip
        if len(batch) == 500:
            write_many(path, batch)
            batch = []
    if batch:
        write_many(path, batch)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def search(bin_dir: Path, runs: int) -> None:
    sys.path.insert(0, str(HERE.parent))  # this clone's sacli, in this process
    from sacli.store.logquery import Filter, select

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "logs.db"
        make_log(path, 10_000)
        found = select(path, Filter(search="xylophone"))
        assert len(found) == 1
        query = statistics.median(_ms(lambda: select(path, Filter(search="xylophone"))) for _ in range(runs))
        env = {**os.environ, "SACLI_LOG_DB": str(path)}
        command = [str(bin_dir / "sacli"), "logs", "-q", "xylophone"]
        latest = [str(bin_dir / "sacli"), "logs", "-n", "1"]
        pairs = [(timed(command, env), timed(latest, env)) for _ in range(runs)]
        print(f"search of 10,000 exchanges: the query {query:.1f} ms (median of {runs});")
        print(f"  sacli logs -q xylophone {statistics.median(a for a, _ in pairs):.0f} ms, "
              f"sacli logs -n 1 {statistics.median(b for _, b in pairs):.0f} ms, "
              f"difference {statistics.median(a - b for a, b in pairs):.1f} ms (median of the pairs)")  # fmt: skip


def _ms(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def log_of(base: str) -> list[dict[str, object]]:
    with urllib.request.urlopen(base.removesuffix("/api/v1") + "/bench/log") as reply:
        return json.loads(reply.read())["requests"]


def stream_cost(bin_dir: Path, runs: int) -> None:
    server, base = serve(100)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "SACLI_BASE_URL": base, "OPENROUTER_KEY": "sk-bench", "SACLI_LOG_DB": f"{folder}/l.db"}
            argv = [str(bin_dir / "sacli"), "stream", "hi"]
            figures: dict[str, list[tuple[float, float]]] = {"--no-log": [], "log": []}
            log_of(base)
            for n in range(runs):
                sides = (("--no-log", ["--no-log"]), ("log", []))
                for name, extra in sides if n % 2 else sides[::-1]:  # each goes first half the time
                    cpu, _, spawned = run_measured([*argv[:2], *extra, *argv[2:]], env)
                    received = log_of(base)[0]["received_ns"]
                    figures[name].append((cpu, (received - spawned) / 1e6))  # type: ignore[operator]
            cpu_pairs = [(b[0] - a[0]) for a, b in zip(figures["--no-log"], figures["log"], strict=True)]
            start_pairs = [(b[1] - a[1]) for a, b in zip(figures["--no-log"], figures["log"], strict=True)]
            for name, rows in figures.items():
                print(f"sacli stream {name}: CPU {statistics.median(c for c, _ in rows):.1f} ms, "
                      f"start-up {statistics.median(s for _, s in rows):.1f} ms")  # fmt: skip
            print(f"  the log's cost, median of {runs} pairs: CPU {statistics.median(cpu_pairs):+.2f} ms per run, "
                  f"start-up {statistics.median(start_pairs):+.2f} ms")  # fmt: skip
            items = b"".join(json.dumps({"id": n, "prompt": "hi"}).encode() + b"\n" for n in range(200))
            batch = [str(bin_dir / "sacli"), "batch", "-P", "8"]
            without = [run_measured([*batch, "--no-log"], env, items)[0] for _ in range(5)]
            with_log = [run_measured(batch, env, items)[0] for _ in range(5)]
            per_item = (statistics.median(with_log) - statistics.median(without)) / 200
            print(f"sacli batch of 200: CPU {statistics.median(without):.0f} ms with --no-log, "
                  f"{statistics.median(with_log):.0f} ms logged: {per_item:+.2f} ms per item")  # fmt: skip
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, metavar="DIR", help="the environment holding sacli")
    parser.add_argument("--runs", type=int, default=21, metavar="N", help="runs of each (default: 21)")
    args = parser.parse_args()
    bin_dir = (args.venv / "bin") if args.venv else Path(sys.executable).parent
    search(bin_dir, args.runs)
    stream_cost(bin_dir, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
