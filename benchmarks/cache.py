"""An answer from --cache beside the same answer from --replay --replay-speed 0 (standard library only).

    python benchmarks/cache.py [--venv DIR] [--runs N]

Against the local SSE server of sse_server.py (a 1,000-delta reply), one run of
``sacli stream --cache --record FILE`` puts the exchange in a fresh log and in a recording; then
``sacli stream --cache`` (answered from the log: no request) and ``sacli stream --replay FILE
--replay-speed 0`` (the recording) run in turn, each first half the time, and their wall times,
spawn to exit, are compared: the medians and the median of the pairs' ratios. The server's
request count shows that no cached run reached it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from paired import serve


def wall_ms(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return (time.perf_counter() - started) * 1000


def requests_seen(base: str) -> int:
    """The requests the server had since the last look."""
    import json

    with urllib.request.urlopen(base.removesuffix("/api/v1") + "/bench/log") as reply:
        return len(json.loads(reply.read())["requests"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, metavar="DIR", help="the environment holding sacli")
    parser.add_argument("--runs", type=int, default=21, metavar="N", help="pairs (default: 21)")
    args = parser.parse_args()
    sacli = str((args.venv / "bin" if args.venv else Path(sys.executable).parent) / "sacli")
    server, base = serve(1000)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "OPENROUTER_KEY": "sk-bench", "SACLI_LOG_DB": f"{folder}/logs.db"}
            record = f"{folder}/run.jsonl"
            asked = [sacli, "stream", "--base-url", base, "--cache", "--record", record, "hi"]
            subprocess.run(asked, env=env, stdout=subprocess.DEVNULL, check=True)
            requests_seen(base)  # the log of requests starts again after each look
            cached = [sacli, "stream", "--base-url", base, "--cache", "hi"]
            replayed = [sacli, "stream", "--base-url", base, "--replay", record, "--replay-speed", "0", "hi"]
            pairs = []
            for n in range(args.runs):
                sides = [cached, replayed] if n % 2 else [replayed, cached]
                times = {id(argv): wall_ms(argv, env) for argv in sides}
                pairs.append((times[id(cached)], times[id(replayed)]))
            assert requests_seen(base) == 0, "a cached run reached the server"
    finally:
        server.terminate()
        server.wait()
    print(f"{args.runs} pairs, a 1,000-delta reply; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"sacli stream --cache: {statistics.median(c for c, _ in pairs):.0f} ms; "
          f"--replay --replay-speed 0: {statistics.median(r for _, r in pairs):.0f} ms; "
          f"ratio {statistics.median(c / r for c, r in pairs):.2f}x (median of the pairs)")  # fmt: skip
    print("no cached run reached the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
