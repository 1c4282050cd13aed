"""Measure sacli beside other streaming chat clients against a local SSE server (standard library only).

    python benchmarks/run.py                                  # sacli and the httpx2 floor
    python benchmarks/setup_peers.py && python benchmarks/run.py --venvs benchmarks/.venvs \
        --client sacli --client httpx2 --client httpx-sse --client openai --client llm --client curl
    python benchmarks/run.py --client mine='./my-client --url {base}' --client httpx2 --json out.json

Each --client is NAME=COMMAND, or just the NAME of a built-in client (sacli, httpx2, httpx-sse,
openai, llm, curl); without any, sacli and httpx2 run. With --venvs DIR each built-in Python
client runs from its own clean environment DIR/NAME (benchmarks/setup_peers.py makes them);
without it, from this interpreter's. COMMAND is split like a shell would split it and run
without a shell, so the figures are the client's own; these placeholders are replaced:
{base} the server's base URL (http://127.0.0.1:PORT/api/v1), {python} this interpreter,
{benchmarks} this directory, {venv} the client's environment's bin directory. The client must
write each delta's content to stdout (raw SSE, as curl writes it, works too). It runs with
this environment minus PYTHONUNBUFFERED (clients are measured as users run them), this
interpreter's directory first on PATH, OPENROUTER_KEY set to a dummy when unset, and stdin
on /dev/null (sacli would otherwise wait to read a prompt from it).

Figures, per client (see benchmarks/README.md):
  startup_ms     spawn -> request received by the server, median of --starts runs (1-delta replies)
  lat_p50/p99/max_ms  a delta handed to the socket -> its marker read from the client's stdout pipe,
                 --lat-deltas deltas at --lat-rate deltas/s
  missing        deltas whose marker never reached stdout (latency and throughput runs)
  deltas_per_s   --tput-deltas deltas sent as fast as possible / (last marker on stdout - request)
  cpu_us_per_delta  the client's user+sys CPU time in the throughput run / --tput-deltas
  peak_rss_mib   the client's peak resident memory in the throughput run

The table is followed by each client's figures as ratios to the floor (--floor, default
httpx2), which is how figures should be quoted: both clients ran on the same machine at the
same time, so the ratio carries over where absolute milliseconds do not.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import platform
import re
import selectors
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = re.compile(rb"#(\d{7});")  # sse_server.marker(i)
CURL_BODY = '{"model":"bench/model","messages":[{"role":"user","content":"hi"}],"stream":true}'
BUILTIN = {
    "sacli": "{venv}/sacli stream --base-url {base} hi",
    "httpx2": "{venv}/python {benchmarks}/floor_httpx2.py {base}",
    "httpx-sse": "{venv}/python {benchmarks}/floor_httpx_sse.py {base}",
    "openai": "{venv}/python {benchmarks}/openai_sdk.py {base}",
    "llm": "sh {benchmarks}/llm_peer.sh {base} {venv}/llm",
    "curl": f"curl -sSN -H 'Content-Type: application/json' -d '{CURL_BODY}' {{base}}/chat/completions",
}
DEFAULT_CLIENTS = ["sacli", "httpx2"]
DEFAULT_FLOOR = "httpx2"

# (key, column heading, decimals)
FIGURES = [
    ("startup_ms", "startup ms", 1),
    ("lat_p50_ms", "lat p50 ms", 2),
    ("lat_p99_ms", "lat p99 ms", 2),
    ("lat_max_ms", "lat max ms", 2),
    ("missing", "missing", 0),
    ("deltas_per_s", "deltas/s", 0),
    ("cpu_us_per_delta", "CPU µs/delta", 2),
    ("peak_rss_mib", "peak RSS MiB", 1),
]
RATIO_KEYS = [key for key, _, _ in FIGURES if key != "missing"]


class ClientFailed(Exception):
    pass


@dataclass
class Client:
    name: str
    command: str
    argv: list[str]
    figures: dict = field(default_factory=dict)
    startup_samples: list[float] = field(default_factory=list)
    error: str | None = None


@dataclass
class Run:
    """One client process: what it wrote to stdout and when, how it ended, what it cost."""

    spawned_ns: int
    reads: list[tuple[int, bytes]]  # (time the read returned, the bytes read)
    exit_code: int | None  # None when the launcher gave no report
    timed_out: bool
    cpu_s: float
    peak_rss_bytes: int
    stderr: str

    def marker_times(self) -> dict[int, int]:
        """Delta index -> the time the read that completed its marker returned."""
        data = b"".join(chunk for _, chunk in self.reads)
        ends = []
        total = 0
        for _, chunk in self.reads:
            total += len(chunk)
            ends.append(total)
        times: dict[int, int] = {}
        for match in MARKER.finditer(data):
            times.setdefault(int(match[1]), self.reads[bisect.bisect_left(ends, match.end())][0])
        return times


class Server:
    """benchmarks/sse_server.py in its own process, so that it never competes with our reader for the GIL."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "sse_server.py")], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
        )
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(30):
                self.close()
                raise SystemExit("run.py: the benchmark server did not start within 30 s")
        port = int(self.proc.stdout.readline())
        self.root = f"http://127.0.0.1:{port}"
        self.base = f"{self.root}/api/v1"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy

    def control(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, headers={"Content-Type": "application/json"})
        with self.opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    def configure(self, deltas: int, rate: float) -> None:
        self.control("/bench/config", {"deltas": deltas, "rate": rate})

    def requests(self) -> list[dict]:
        return self.control("/bench/log")["requests"]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    # Measure clients as users run them: a forced-unbuffered Python would hide buffering bugs.
    env.pop("PYTHONUNBUFFERED", None)
    if not env.get("OPENROUTER_KEY"):
        env["OPENROUTER_KEY"] = "sk-or-v1-benchmark-dummy"  # sacli needs a key; the local server ignores it
    env["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), env.get("PATH")]))
    env["NO_PROXY"] = ",".join(filter(None, ["127.0.0.1", "localhost", env.get("NO_PROXY")]))
    return env


def venv_bin(name: str, venvs: Path | None) -> str:
    """The bin directory a client runs from: its own environment under --venvs, else this interpreter's."""
    if venvs is not None and name in BUILTIN and name != "curl":
        directory = venvs / name / "bin"
        if not directory.is_dir():
            raise SystemExit(f"run.py: no environment {directory} for {name}: run benchmarks/setup_peers.py {venvs}")
        return str(directory)
    return str(Path(sys.executable).parent)


def command_argv(command: str, base: str, venv: str) -> list[str]:
    """Split like a shell, then fill the placeholders in each word (so paths with spaces stay one word)."""
    values = {"{base}": base, "{python}": sys.executable, "{benchmarks}": str(HERE), "{venv}": venv}
    argv = []
    for word in shlex.split(command):
        for placeholder, value in values.items():
            word = word.replace(placeholder, value)
        argv.append(word)
    return argv


def run_client(argv: list[str], env: dict[str, str], timeout: float) -> Run:
    """Run one client to its end (through launch.py), timing each read of its stdout.

    The client is killed after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    reads: list[tuple[int, bytes]] = []
    timed_out = False
    report_read, report_write = os.pipe()
    with tempfile.TemporaryFile() as stderr, open(report_read, "rb") as report:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-S", "-I", str(HERE / "launch.py"), str(report_write), *argv],
                stdin=subprocess.DEVNULL,  # explicit: sacli reads a prompt from a stdin that is not a terminal
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                pass_fds=[report_write],
                process_group=0,  # so that a client that overstays can be killed with its launcher
            )
        finally:
            os.close(report_write)
        try:
            fd = proc.stdout.fileno()
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                while selector.select(max(0.0, deadline - time.monotonic())):
                    data = os.read(fd, 1 << 16)
                    if not data:
                        break
                    reads.append((time.monotonic_ns(), data))
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
        line = report.read().split()
        stderr.seek(0)
        err = stderr.read().decode(errors="replace")
    if not line:
        return Run(0, reads, exit_code=None, timed_out=timed_out, cpu_s=0.0, peak_rss_bytes=0, stderr=err)
    spawned_ns, status, user, system, maxrss = line
    return Run(
        spawned_ns=int(spawned_ns),
        reads=reads,
        exit_code=os.waitstatus_to_exitcode(int(status)),
        timed_out=timed_out,
        cpu_s=float(user) + float(system),
        peak_rss_bytes=int(maxrss) * (1 if sys.platform == "darwin" else 1024),
        stderr=err,
    )


def checked(client: Client, run: Run, server: Server, what: str) -> dict:
    """The server's record of the run's one chat request; ClientFailed if the run went wrong."""
    requests = server.requests()
    if run.exit_code != 0:
        if run.timed_out:
            how = "was killed after the time limit"
        elif run.exit_code is None:
            how = "could not be started (launch.py gave no report)"
        else:
            how = f"exited with {run.exit_code}"
        stderr = run.stderr.strip()[-400:]
        raise ClientFailed(f"{what}: {client.name} {how}" + (f": {stderr}" if stderr else ""))
    if len(requests) != 1:
        raise ClientFailed(f"{what}: the server saw {len(requests)} chat requests, expected 1")
    return requests[0]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure_startup(clients: list[Client], server: Server, env: dict[str, str], starts: int) -> None:
    """Rounds of one run per client, interleaved so that a slow spell on the machine hits all alike."""
    server.configure(deltas=1, rate=0)
    for round_ in range(starts + 1):  # round 0 warms the disk cache and is not counted
        for client in clients:
            if client.error:
                continue
            try:
                run = run_client(client.argv, env, 60)
                request = checked(client, run, server, "start-up run")
                if 0 not in run.marker_times():
                    raise ClientFailed("start-up run: the delta's marker never reached stdout")
            except ClientFailed as failed:
                client.error = str(failed)
                continue
            if round_:
                client.startup_samples.append((request["received_ns"] - run.spawned_ns) / 1e6)
    for client in clients:
        if not client.error:
            client.figures["startup_ms"] = statistics.median(client.startup_samples)


def measure_latency(client: Client, server: Server, env: dict[str, str], deltas: int, rate: float) -> None:
    server.configure(deltas=deltas, rate=rate)
    run = run_client(client.argv, env, 60 + deltas / rate)
    sent_ns = checked(client, run, server, "latency run")["sent_ns"]
    arrived = run.marker_times()
    latencies = [(arrived[i] - sent) / 1e6 for i, sent in enumerate(sent_ns) if i in arrived]
    client.figures.update(
        lat_p50_ms=percentile(latencies, 0.50),
        lat_p99_ms=percentile(latencies, 0.99),
        lat_max_ms=max(latencies, default=math.nan),
        missing=len(sent_ns) - len(latencies),
    )


def measure_throughput(client: Client, server: Server, env: dict[str, str], deltas: int) -> None:
    server.configure(deltas=deltas, rate=0)
    run = run_client(client.argv, env, 300)
    request = checked(client, run, server, "throughput run")
    arrived = run.marker_times()
    if not arrived:
        raise ClientFailed("throughput run: no marker reached stdout")
    seconds = (max(arrived.values()) - request["received_ns"]) / 1e9
    client.figures.update(
        deltas_per_s=len(arrived) / seconds,
        cpu_us_per_delta=run.cpu_s / deltas * 1e6,
        peak_rss_mib=run.peak_rss_bytes / 2**20,
        missing=client.figures.get("missing", 0) + deltas - len(arrived),
    )


def ratios(clients: list[Client], floor: Client | None) -> dict[str, dict[str, float]]:
    """Each measured client's figures divided by the floor's; empty when the floor was not measured."""
    if floor is None or floor.error:
        return {}
    return {
        client.name: {
            key: client.figures[key] / floor.figures[key] if floor.figures[key] else math.nan for key in RATIO_KEYS
        }
        for client in clients
        if not client.error
    }


def markdown(headings: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "|---|" + "---:|" * (len(headings) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(clients: list[Client], floor_name: str, table: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    parts = [
        f"{args.starts} starts; {args.lat_deltas} deltas at {args.lat_rate:g}/s; "
        f"{args.tput_deltas} deltas as fast as possible. {machine()['summary']}",
        "",
        markdown(
            ["client"] + [heading for _, heading, _ in FIGURES],
            [
                [client.name] + [f"{client.figures[key]:.{digits}f}" for key, _, digits in FIGURES]
                for client in clients
                if not client.error
            ],
        ),
    ]
    if table:
        parts += [
            "",
            f"Ratios to {floor_name} (lower is better, except deltas/s):",
            "",
            markdown(
                ["client"] + [heading for key, heading, _ in FIGURES if key in RATIO_KEYS],
                [[name] + [f"{value:.2f}x" for value in row.values()] for name, row in table.items()],
            ),
        ]
    failed = [client for client in clients if client.error]
    if failed:
        parts += ["", *(f"{client.name}: error: {client.error}" for client in failed)]
    return "\n".join(parts)


def machine() -> dict[str, str | int | None]:
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    info["summary"] = f"{info['platform']}, {info['cpus']} CPUs, Python {info['python']}."
    return info


def plain(value: float) -> float | None:
    """A figure for the JSON output: rounded, and null rather than NaN."""
    return None if math.isnan(value) else round(value, 3)


def parse_clients(specs: list[str] | None) -> list[tuple[str, str]]:
    chosen = []
    for spec in specs or DEFAULT_CLIENTS:
        name, sep, command = spec.partition("=")
        if not sep:
            if name not in BUILTIN:
                raise SystemExit(f"run.py: unknown client {name!r}: give NAME=COMMAND or one of {', '.join(BUILTIN)}")
            command = BUILTIN[name]
        chosen.append((name, command))
    return chosen


def uncompiled_sacli_warning(env: dict[str, str]) -> str | None:
    """A warning when each sacli start would compile sacli's modules from source first.

    pip and pipx compile them at install; an editable install under PYTHONDONTWRITEBYTECODE
    never keeps the bytecode, which adds the compile time to every start-up figure.
    """
    import importlib.util

    spec = importlib.util.find_spec("sacli")
    if spec is None or spec.origin is None or not env.get("PYTHONDONTWRITEBYTECODE"):
        return None
    if Path(importlib.util.cache_from_source(spec.origin)).exists():
        return None
    return (
        "run.py: warning: sacli's modules have no compiled bytecode and PYTHONDONTWRITEBYTECODE is set, "
        "so every sacli start compiles them first; install with `pip install .` (as users do) "
        "or unset PYTHONDONTWRITEBYTECODE"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", action="append", metavar="NAME[=COMMAND]", help="a client to measure (repeat)")
    parser.add_argument(
        "--floor",
        default=DEFAULT_FLOOR,
        metavar="NAME",
        help=f"the client the ratios are to (default: {DEFAULT_FLOOR})",
    )
    parser.add_argument(
        "--venvs", type=Path, metavar="DIR", help="run each built-in client from its environment DIR/NAME"
    )
    parser.add_argument("--starts", type=int, default=10, metavar="N", help="start-up runs per client (default: 10)")
    parser.add_argument(
        "--lat-deltas", type=int, default=1000, metavar="N", help="deltas in the latency run (default: 1000)"
    )
    parser.add_argument(
        "--lat-rate", type=float, default=100.0, metavar="R", help="deltas per second there (default: 100)"
    )
    parser.add_argument(
        "--tput-deltas", type=int, default=50_000, metavar="N", help="deltas in the throughput run (default: 50000)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args()
    if args.starts < 1 or args.lat_deltas < 1 or args.lat_rate <= 0 or args.tput_deltas < 1:
        parser.error("--starts, --lat-deltas, --lat-rate and --tput-deltas must be positive")

    chosen = parse_clients(args.client)
    env = child_environment()
    venvs = args.venvs.resolve() if args.venvs else None
    uses_sacli = any(command == BUILTIN["sacli"] for _, command in chosen)
    if uses_sacli and venvs is None and (warning := uncompiled_sacli_warning(env)):
        print(warning, file=sys.stderr, flush=True)
    server = Server()
    try:
        clients = [
            Client(name, command, command_argv(command, server.base, venv_bin(name, venvs))) for name, command in chosen
        ]
        print(f"run.py: start-up, {args.starts} rounds", file=sys.stderr, flush=True)
        measure_startup(clients, server, env, args.starts)
        for client in clients:
            if client.error:
                continue
            print(f"run.py: {client.name}: latency, throughput", file=sys.stderr, flush=True)
            try:
                measure_latency(client, server, env, args.lat_deltas, args.lat_rate)
                measure_throughput(client, server, env, args.tput_deltas)
            except ClientFailed as failed:
                client.error = str(failed)
    finally:
        server.close()

    table = ratios(clients, next((client for client in clients if client.name == args.floor), None))
    print(report(clients, args.floor, table, args))
    if args.json:
        document = {
            "machine": machine(),
            "settings": {key: getattr(args, key) for key in ("starts", "lat_deltas", "lat_rate", "tput_deltas")},
            "venvs": str(venvs) if venvs else None,
            "clients": [
                {
                    "name": client.name,
                    "command": client.command,
                    "error": client.error,
                    **{key: plain(value) for key, value in client.figures.items()},
                    "startup_samples_ms": [plain(value) for value in client.startup_samples],
                }
                for client in clients
            ],
            "floor": args.floor if table else None,
            "ratios": {name: {key: plain(value) for key, value in row.items()} for name, row in table.items()},
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    return 1 if any(client.error for client in clients) else 0


if __name__ == "__main__":
    sys.exit(main())
