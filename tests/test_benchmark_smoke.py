"""benchmarks/run.py runs end to end with tiny counts: sacli always, the floor when httpx and httpx-sse are installed.

Only that the benchmark works is checked (a table, no errors, every delta seen on stdout),
never what the figures are.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_benchmark_measures_sacli_and_the_floor(env: dict[str, str], tmp_path: Path) -> None:
    # env has no OPENROUTER_KEY: the driver gives the clients a dummy one.
    floor_installed = all(importlib.util.find_spec(name) for name in ("httpx", "httpx_sse"))
    clients = ["sacli"] + (["httpx-sse"] if floor_installed else [])
    figures = tmp_path / "figures.json"
    args = [sys.executable, str(ROOT / "benchmarks" / "run.py")]
    for client in clients:
        args += ["--client", client]
    args += ["--starts", "3", "--lat-deltas", "20", "--lat-rate", "200", "--tput-deltas", "2000"]
    args += ["--json", str(figures)]

    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=120)

    stdout = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode() + stdout
    assert "error" not in stdout
    assert "| client | startup ms | lat p50 ms | lat p99 ms | lat max ms | missing |" in stdout
    for client in clients:
        assert f"\n| {client} | " in stdout
    document = json.loads(figures.read_text())
    assert [row["name"] for row in document["clients"]] == clients
    for row in document["clients"]:
        assert row["error"] is None
        assert row["missing"] == 0
        assert len(row["startup_samples_ms"]) == 3
        assert all(row[key] is not None for key in ("lat_p99_ms", "deltas_per_s", "cpu_us_per_delta", "peak_rss_mib"))
    if "httpx-sse" in clients:
        assert "Ratios to httpx-sse" in stdout
        assert set(document["ratios"]) == {"sacli", "httpx-sse"}
        assert document["ratios"]["httpx-sse"]["startup_ms"] == 1.0
    else:
        assert document["ratios"] == {}
