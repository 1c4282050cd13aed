"""Two builds of `sacli stream` side by side: CPU per delta and peak memory, run after run, interleaved.

    python benchmarks/paired.py --a before=/path/to/venv-a --b after=/path/to/venv-b [--runs 15]
    python benchmarks/paired.py --a log=VENV --b no-log=VENV --b-args=--no-log

Both stream the same reply (``--deltas`` deltas, as fast as the local server of sse_server.py
sends them) into /dev/null, A and B in turn (each first half the time), ``--runs`` times, each
with a local log of its own. For each run the process's user + system CPU and its peak RSS come
from ``wait4``; the figures are the medians, and the median of the B/A ratios of the pairs, which
is how to quote them: a pair ran at nearly the same moment, so the machine's drift cancels.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def serve(deltas: int) -> tuple[subprocess.Popen[bytes], str]:
    """The local SSE server, answering each request with ``deltas`` deltas; its base URL."""
    server = subprocess.Popen([sys.executable, str(HERE / "sse_server.py")], stdout=subprocess.PIPE)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    base = f"http://127.0.0.1:{port}"
    post(base + "/bench/config", {"deltas": deltas, "rate": 0})
    return server, base + "/api/v1"


def post(url: str, body: object) -> object:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"null")


def run_measured(argv: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float, int]:
    """Run to the end with stdout to /dev/null: (user + system CPU in ms, peak RSS in MiB, spawn time in ns)."""
    spawned = time.monotonic_ns()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    if stdin:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, argv
    return (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024, spawned


def side(text: str) -> tuple[str, Path]:
    name, _, venv = text.partition("=")
    return name, Path(venv)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=side, required=True, metavar="NAME=VENV", help="the baseline")
    parser.add_argument("--b", type=side, required=True, metavar="NAME=VENV", help="the build compared with it")
    parser.add_argument("--a-args", default="", metavar="ARGS", help="extra arguments of A's sacli stream")
    parser.add_argument("--b-args", default="", metavar="ARGS", help="extra arguments of B's sacli stream")
    parser.add_argument("--runs", type=int, default=15, metavar="N", help="pairs (default: 15)")
    parser.add_argument("--deltas", type=int, default=50_000, metavar="N", help="deltas per reply (default: 50000)")
    args = parser.parse_args()
    server, base = serve(args.deltas)
    figures: dict[str, list[tuple[float, float]]] = {args.a[0]: [], args.b[0]: []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for n in range(args.runs):
                sides = ((args.a, args.a_args), (args.b, args.b_args))
                for (name, venv), extra in sides if n % 2 else sides[::-1]:  # each goes first half the time
                    env = {**os.environ, "OPENROUTER_KEY": "sk-bench", "SACLI_LOG_DB": f"{folder}/{name}.db"}
                    argv = [str(venv / "bin" / "sacli"), "stream", "--base-url", base, *extra.split(), "hi"]
                    figures[name].append(run_measured(argv, env)[:2])
                print(f"pair {n + 1}/{args.runs}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait()
    (a, a_rows), (b, b_rows) = figures.items()
    print(f"{args.runs} pairs, {args.deltas} deltas each; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("| build | CPU µs/delta | peak RSS MiB |\n|---|---:|---:|")
    for name, rows in figures.items():
        cpu = statistics.median(c for c, _ in rows) * 1000 / args.deltas
        print(f"| {name} | {cpu:.2f} | {statistics.median(r for _, r in rows):.1f} |")
    cpu_ratio = statistics.median(y[0] / x[0] for x, y in zip(a_rows, b_rows, strict=True))
    rss_ratio = statistics.median(y[1] / x[1] for x, y in zip(a_rows, b_rows, strict=True))
    print(f"| {b} / {a}, median of the pairs | {cpu_ratio:.3f}x | {rss_ratio:.3f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
