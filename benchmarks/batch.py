"""``sacli batch`` beside ``xargs -P N sacli stream``, against a server that answers each request late.

    python3 benchmarks/batch.py --venv benchmarks/.venvs/sacli [--items 1000] [--parallel 32]
                                [--delay 0.2] [--xargs-items N] [--memory-items 1000,20000] [--json PATH]

A local server (standard library, asyncio) answers every chat request after ``--delay`` seconds
with a short stream, and keeps connections alive. Two runs of the same prompts, side by side:

- ``sacli batch -P N`` reading the prompts as JSON Lines;
- ``xargs -P N -n 1 sacli stream``, one process and one connection per prompt (``--xargs-items``
  of them, all by default: its CPU per item is the same over fewer, and 1,000 take minutes).

For each: the wall time, against the ideal ``items / N * delay``; the CPU per item (user +
system of the whole process tree, from ``wait4``); sacli batch's peak memory. Then sacli
batch's peak memory for each count of ``--memory-items`` against a server that answers at
once, to see it flat. Each client is started by launch.py, so its figures are its own.
Standard library only; progress on stderr, a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAUNCH = HERE / "launch.py"
EVENTS = (
    b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"an answer"},"finish_reason":null}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n'
    b"data: [DONE]\n\n"
)
REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n%s" % (len(EVENTS), EVENTS)


class LateServer:
    """Answers each request ``delay`` seconds after it has arrived; any number at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.answered = 0
        self.ready = threading.Event()
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(REPLY)
                await writer.drain()
                self.answered += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def launched(argv: list[str], env: dict[str, str], stdin: bytes) -> dict[str, float]:
    """Run ``argv`` under launch.py: wall seconds, CPU seconds of its process tree, peak RSS MiB."""
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(
            [sys.executable, "-S", "-I", str(LAUNCH), str(write_fd), *argv],
            input=stdin, stdout=out, stderr=subprocess.PIPE, env=env, pass_fds=(write_fd,), check=False,
        )  # fmt: skip
        wall = time.monotonic() - started
        os.close(write_fd)
        with os.fdopen(read_fd) as report:
            _, status, user, system, maxrss = report.read().split()
        out.seek(0)
        lines = out.read().count(b"\n")
    if proc.returncode != 0 or os.waitstatus_to_exitcode(int(status)) != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode(errors='replace')[-500:]}")
    return {"wall_s": wall, "cpu_s": float(user) + float(system), "peak_mib": int(maxrss) / 1024, "lines": lines}


def prompts(count: int) -> list[str]:
    return [f"Explain item {n} in one line" for n in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, help="the environment whose bin/sacli runs (default: sacli on PATH)")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--xargs-items", type=int, help="prompts for the xargs form (default: --items)")
    parser.add_argument("--memory-items", default="1000,20000")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sacli = str(args.venv / "bin" / "sacli") if args.venv else "sacli"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SACLI_", "OPENROUTER_", "SUPER_AGENT_"))}
    env.update(OPENROUTER_KEY="sk-or-v1-bench", NO_PROXY="*")

    server = LateServer(args.delay)
    env["SACLI_BASE_URL"] = f"http://127.0.0.1:{server.port}/api/v1"
    texts = prompts(args.items)
    jsonl = "".join(json.dumps({"id": n, "prompt": t}) + "\n" for n, t in enumerate(texts)).encode()
    print(f"sacli batch -P {args.parallel}, {args.items} prompts ...", file=sys.stderr)
    batch = launched([sacli, "batch", "-P", str(args.parallel)], env, jsonl)
    xargs_items = args.xargs_items or args.items
    print(f"xargs -P {args.parallel} sacli stream, {xargs_items} prompts ...", file=sys.stderr)
    xargs_input = "".join(t + "\0" for t in texts[:xargs_items]).encode()
    xargs = launched(["xargs", "-0", "-P", str(args.parallel), "-n", "1", sacli, "stream"], env, xargs_input)
    server.stop()
    ideal = args.items / args.parallel * args.delay

    memory: dict[int, float] = {}
    quick = LateServer(0.0)
    env["SACLI_BASE_URL"] = f"http://127.0.0.1:{quick.port}/api/v1"
    for count in [int(n) for n in args.memory_items.split(",") if n]:
        print(f"sacli batch memory, {count} prompts at once ...", file=sys.stderr)
        lines = "".join(json.dumps({"prompt": f"p{n}"}) + "\n" for n in range(count)).encode()
        memory[count] = launched([sacli, "batch", "-P", str(args.parallel)], env, lines)["peak_mib"]
    quick.stop()

    figures = {
        "items": args.items,
        "parallel": args.parallel,
        "delay_s": args.delay,
        "ideal_wall_s": ideal,
        "batch": batch,
        "xargs": xargs,
        "xargs_items": xargs_items,
        "batch_peak_mib_by_items": memory,
        "machine": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
    }
    late = f"each answered after {args.delay * 1000:.0f} ms"
    print(f"{args.items} prompts, -P {args.parallel}, {late}; {figures['machine']}.")
    print()
    print("| run | wall s | × ideal | CPU ms/item | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, run, items in (("sacli batch", batch, args.items), ("xargs sacli stream", xargs, xargs_items)):
        cpu_ms = run["cpu_s"] / items * 1000
        times_ideal = run["wall_s"] / (items / args.parallel * args.delay)
        print(f"| {name} | {run['wall_s']:.2f} | {times_ideal:.2f} | {cpu_ms:.2f} | {run['peak_mib']:.1f} |")
    print()
    per_item = (batch["cpu_s"] / args.items) / (xargs["cpu_s"] / xargs_items)
    print(f"sacli batch CPU per item: {per_item:.3f}× the xargs form's.")
    print("sacli batch peak RSS by item count: " + ", ".join(f"{n}: {m:.1f} MiB" for n, m in memory.items()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
