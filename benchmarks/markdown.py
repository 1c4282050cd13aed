"""What ``--markdown`` costs: the time of one render by reply size, and a whole paced reply on a terminal.

    python3 benchmarks/markdown.py --venv benchmarks/.venvs/sacli [--sizes 1,4,16,64]
                                   [--deltas 1000] [--rate 50] [--json PATH]

1. For replies of each of ``--sizes`` KiB of Markdown (headings, paragraphs with bold and
   code, lists, fenced code), at 100 × 40, timed inside the venv's Python (the median of
   several): one live render (the last blocks, what a render while the reply streams does) and
   one render of the whole reply (the final render). sacli renders again after
   max(0.1 s, 5 × the last render's time), so the share of one CPU spent rendering while a
   reply streams is a live render's time over that interval.
2. A reply of ``--deltas`` deltas arriving at ``--rate`` a second (a recording replayed at its
   pace, so no server is involved), shown by ``sacli stream`` in a pseudo-terminal of 100 × 40,
   once plain and once with ``--markdown``, one after the other: wall time, CPU time (user +
   system, from ``wait4`` in launch.py), the number of renders, the bytes sent to the terminal.

Standard library only; progress on stderr, markdown tables on stdout.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAUNCH = HERE / "launch.py"
RENDER_START = b"\x1b[?25l"  # sacli.term.markdown.RENDER_START: written once per render
COLUMNS, ROWS = 100, 40

SECTION = """\
## Section {n}

This paragraph explains **point {n}** with `inline code`, a [link](https://example.com/{n})
and *some emphasis*, the way a model writes an answer that goes on for a while.

- first item of list {n}
- second item, with **bold** text
  - a nested item

```python
def step_{n}(value: int) -> int:
    return value * {n}
```

"""

RENDER_TIMER = """
import json, sys, time
from sacli.term.markdown import BlockStarts, live_view, render
text, columns, rows, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
blocks = BlockStarts()
blocks.scan(text)
def median(work):
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]
live = median(lambda: live_view(text, blocks, columns, rows))
print(json.dumps({"live": live, "whole": median(lambda: render(text, columns))}))
"""


def markdown_of(size: int) -> str:
    text, n = "# A long answer\n\n", 0
    while len(text) < size:
        text += SECTION.format(n=n)
        n += 1
    return text[:size]


def render_cost(python: str, kib: int) -> dict[str, float]:
    """Seconds for one live render and one whole render of a reply of ``kib`` KiB, in the venv's Python."""
    repeats = 15 if kib <= 16 else 5
    text = markdown_of(kib * 1024)
    result = subprocess.run(
        [python, "-I", "-c", RENDER_TIMER, text, str(COLUMNS), str(ROWS), str(repeats)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def paced_tape(path: Path, deltas: int, rate: float) -> int:
    """A recording of a reply of ``deltas`` deltas, one every 1/``rate`` s; returns its length in characters."""
    text = markdown_of(deltas * 8)
    step = max(1, len(text) // deltas)
    pieces = [text[i : i + step] for i in range(0, len(text), step)][:deltas]
    events = ['data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n']
    events += [
        "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}) + "\n\n"
        for piece in pieces
    ]
    events.append('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')
    record = {
        "sacli_record": 1, "method": "POST", "path": "/api/v1/chat/completions", "query": "",
        "request_headers": {}, "request_body": None, "status": 200, "reason": "OK",
        "headers": [["Content-Type", "text/event-stream"]], "at": 1.0,
        "chunks": [[5 + n * 1000 / rate, event] for n, event in enumerate(events)], "end": "eof",
    }  # fmt: skip
    path.write_text(json.dumps(record) + "\n")
    return sum(len(piece) for piece in pieces)


def on_terminal(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run ``argv`` under launch.py with a pseudo-terminal of COLUMNS × ROWS as its stdout and stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    shown = bytearray()

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the slave side has closed it
                return
            if not data:
                return
            shown.extend(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    report_read, report_write = os.pipe()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-S", "-I", str(LAUNCH), str(report_write), *argv],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, pass_fds=(report_write,),
    )  # fmt: skip
    os.close(slave)
    os.close(report_write)
    with os.fdopen(report_read) as report:
        _, status, user, system, _ = report.read().split()
    wall = time.monotonic() - started
    proc.wait()
    reader.join(10)
    os.close(master)
    if os.waitstatus_to_exitcode(int(status)) != 0:
        raise SystemExit(f"{argv[0]} failed: {bytes(shown[-500:]).decode(errors='replace')}")
    return {
        "wall_s": wall,
        "cpu_s": float(user) + float(system),
        "renders": shown.count(RENDER_START),
        "terminal_kib": len(shown) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--venv", required=True, type=Path, help="a virtual environment with sacli installed")
    parser.add_argument("--sizes", default="1,4,16,64", help="reply sizes in KiB for the render times")
    parser.add_argument("--deltas", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="deltas a second")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    bin_dir = args.venv.resolve() / "bin"
    sacli, python = str(bin_dir / "sacli"), str(bin_dir / "python")
    sizes = [int(size) for size in args.sizes.split(",")]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    env["HOME"] = env["XDG_CONFIG_HOME"] = env["XDG_STATE_HOME"] = env["XDG_CACHE_HOME"] = tempfile.mkdtemp()

    print(f"render times at {COLUMNS} columns: {args.sizes} KiB", file=sys.stderr)
    costs = {kib: render_cost(python, kib) for kib in sizes}
    with tempfile.TemporaryDirectory() as scratch:
        tape = Path(scratch) / "paced.jsonl"
        characters = paced_tape(tape, args.deltas, args.rate)
        runs = {}
        for name, extra in (("plain", []), ("markdown", ["--markdown"])):
            print(f"{name}: {args.deltas} deltas at {args.rate:g}/s", file=sys.stderr)
            runs[name] = on_terminal([sacli, "stream", *extra, "--replay", str(tape), "go"], env)

    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.\n")
    print("| reply KiB | one live render ms | next render after ms | CPU share while streaming | final render ms |")
    print("|---:|---:|---:|---:|---:|")
    for kib, cost in costs.items():
        interval = max(0.1, 5 * cost["live"])
        print(
            f"| {kib} | {cost['live'] * 1000:.1f} | {interval * 1000:.0f} | {cost['live'] / interval:.2f} "
            f"| {cost['whole'] * 1000:.1f} |"
        )
    print(f"\n{args.deltas} deltas at {args.rate:g}/s ({characters / 1024:.1f} KiB), {COLUMNS} × {ROWS} terminal:\n")
    print("| run | wall s | CPU s | CPU × plain | renders | renders/s | bytes to the terminal KiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    plain_cpu = runs["plain"]["cpu_s"]
    for name, run in runs.items():
        rate = run["renders"] / run["wall_s"]
        print(
            f"| {name} | {run['wall_s']:.2f} | {run['cpu_s']:.2f} | {run['cpu_s'] / plain_cpu:.2f} "
            f"| {run['renders']} | {rate:.1f} | {run['terminal_kib']:.0f} |"
        )
    if args.json:
        document = {"render_s_by_kib": {str(k): v for k, v in costs.items()}, "runs": runs, "characters": characters}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
