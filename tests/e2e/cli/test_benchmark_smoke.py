"""benchmarks/run.py runs end to end with tiny counts: sacli and the httpx2 floor from the test environment.

Only that the benchmark works is checked (a table, no errors, every delta seen on stdout),
never what the figures are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_benchmark_measures_sacli_and_the_floor(env: dict[str, str], tmp_path: Path) -> None:
    # env has no OPENROUTER_KEY: the driver gives the clients a dummy one.
    figures = tmp_path / "figures.json"
    args = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--client", "sacli", "--client", "httpx2"]
    args += ["--starts", "3", "--lat-deltas", "20", "--lat-rate", "200", "--tput-deltas", "2000"]
    args += ["--json", str(figures)]

    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=120)

    stdout = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode() + stdout
    assert "error" not in stdout
    assert "| client | startup ms | lat p50 ms | lat p99 ms | lat max ms | missing |" in stdout
    assert "\n| sacli | " in stdout and "\n| httpx2 | " in stdout
    assert "Ratios to httpx2" in stdout
    document = json.loads(figures.read_text())
    assert [row["name"] for row in document["clients"]] == ["sacli", "httpx2"]
    for row in document["clients"]:
        assert row["error"] is None
        assert row["missing"] == 0
        assert len(row["startup_samples_ms"]) == 3
        assert all(row[key] is not None for key in ("lat_p99_ms", "deltas_per_s", "cpu_us_per_delta", "peak_rss_mib"))
    assert set(document["ratios"]) == {"sacli", "httpx2"}
    assert document["ratios"]["httpx2"]["startup_ms"] == 1.0


def test_a_missing_peer_environment_is_named(env: dict[str, str], tmp_path: Path) -> None:
    args = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--venvs", str(tmp_path), "--client", "httpx2"]
    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
    assert result.returncode != 0
    assert f"no environment {tmp_path}/httpx2/bin for httpx2" in result.stderr.decode()


def test_the_batch_benchmark_runs_both_forms(env: dict[str, str], tmp_path: Path) -> None:
    figures = tmp_path / "batch.json"
    args = [sys.executable, str(ROOT / "benchmarks" / "batch.py"), "--venv", sys.prefix, "--items", "20"]
    args += ["--parallel", "4", "--delay", "0.01", "--memory-items", "20,40", "--json", str(figures)]

    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=120)

    assert result.returncode == 0, result.stderr.decode()
    stdout = result.stdout.decode()
    assert "| sacli batch | " in stdout and "| xargs sacli stream | " in stdout
    written = json.loads(figures.read_text())
    assert written["batch"]["lines"] == written["xargs"]["lines"] == 20
    assert set(written["batch_peak_mib_by_items"]) == {"20", "40"}


def test_the_markdown_benchmark_runs_plain_and_rendered(env: dict[str, str], tmp_path: Path) -> None:
    figures = tmp_path / "markdown.json"
    args = [sys.executable, str(ROOT / "benchmarks" / "markdown.py"), "--venv", sys.prefix, "--sizes", "1,4"]
    args += ["--deltas", "40", "--rate", "200", "--json", str(figures)]

    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=120)

    assert result.returncode == 0, result.stderr.decode()
    stdout = result.stdout.decode()
    assert "| plain | " in stdout and "| markdown | " in stdout
    written = json.loads(figures.read_text())
    assert set(written["render_s_by_kib"]) == {"1", "4"}
    assert written["runs"]["plain"]["renders"] == 0 < written["runs"]["markdown"]["renders"]
