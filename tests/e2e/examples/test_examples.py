"""The recordings shipped in sacli/examples/: in the wheel, free of keys, and replayed from a fresh
install as the README's set-up runs them, with no key and no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sacli.commands.examples import EXAMPLES
from sacli.exitcodes import ExitCode
from tests.support.helpers import run
from tests.support.make_examples import ANSWER
from tests.support.screen import WIDTHS, show, table
from tests.support.terminal import Terminal

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "sacli" / "examples"


def test_every_example_has_its_recording_and_holds_no_key() -> None:
    assert {p.stem for p in SHIPPED.glob("*.jsonl")} == set(EXAMPLES)
    for path in SHIPPED.glob("*.jsonl"):
        text = path.read_text()
        assert "sk-or-v1-" not in text and "sk_live_" not in text, path
        for line in text.splitlines():
            record = json.loads(line)
            assert not {"Authorization", "superAgentKey"} & set(record["request_headers"]), path


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """sacli built into a wheel and installed from it alone into a new directory: (PATH, PYTHONPATH)."""
    work = tmp_path_factory.mktemp("fresh")
    quiet = {"capture_output": True, "timeout": 300, "check": True}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(ROOT)], **quiet)
    (wheel,) = (work / "dist").glob("sacli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"sacli/examples/{name}.jsonl" for name in EXAMPLES} <= set(names)
    target = work / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], **quiet)
    # The dependencies come from this environment; sacli itself only from the wheel.
    return {"PATH": f"{target / 'bin'}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(target)}


def replay(name: str, installed: dict[str, str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    shell = f'sacli stream --replay "$(sacli examples path {name})" "Explain SSE in one sentence"'
    return subprocess.run(
        ["bash", "-c", shell], env={**env, **installed}, capture_output=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_the_examples_come_from_the_installed_wheel(fresh_install: dict[str, str], env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-c", "sacli examples path hello"], env={**env, **fresh_install}, capture_output=True
    )
    assert result.returncode == 0
    assert Path(result.stdout.decode().strip()) == Path(fresh_install["PYTHONPATH"]) / "sacli/examples/hello.jsonl"


def test_hello_streams_the_answer(fresh_install: dict[str, str], env: dict[str, str]) -> None:
    result = replay("hello", fresh_install, env)
    assert (result.returncode, result.stdout, result.stderr) == (0, ANSWER.encode() + b"\n", b"")


def test_rate_limited_announces_its_retry_then_answers(fresh_install: dict[str, str], env: dict[str, str]) -> None:
    result = replay("rate-limited", fresh_install, env)
    assert (result.returncode, result.stdout) == (0, ANSWER.encode() + b"\n")
    assert result.stderr == b"sacli: HTTP 429 Too Many Requests; retrying in 1.0 s (retry 1 of 2)\n"


def test_cut_short_keeps_what_arrived_and_exits_6(fresh_install: dict[str, str], env: dict[str, str]) -> None:
    result = replay("cut-short", fresh_install, env)
    assert result.returncode == ExitCode.NETWORK
    assert ANSWER.startswith(result.stdout.decode()) and len(result.stdout) > 20
    recording = Path(fresh_install["PYTHONPATH"]) / "sacli/examples/cut-short.jsonl"
    assert result.stderr.decode() == (  # the recording is named, not a host this run never contacted
        f"sacli: error: connection to the server recorded in {recording} lost: peer closed connection "
        "without sending complete message body (incomplete chunked read)\n"
    )


def test_hello_streams_live_on_a_terminal(env: dict[str, str]) -> None:
    path = run("examples", "path", "hello", env=env).stdout.decode().strip()
    terminal = Terminal("stream", "--replay", path, "Explain SSE", env={**env, "NO_COLOR": "1"})
    try:
        first = terminal.expect("Server-Sent Events")
        assert ANSWER.encode() not in first  # the first words show before the last have come
        assert terminal.exit_code() == 0
    finally:
        terminal.close()
    assert ANSWER.encode() in terminal.output.replace(b"\r\n", b"\n")


def test_examples_list_and_an_unknown_name(env: dict[str, str]) -> None:
    listed = run("examples", "list", env=env)
    assert [line.split("\t")[0] for line in listed.stdout.decode().splitlines()] == list(EXAMPLES)
    unknown = run("examples", "path", "nope", env=env)
    assert unknown.returncode == ExitCode.USAGE
    assert unknown.stderr.decode() == "sacli: error: no example named 'nope' (one of hello, rate-limited, cut-short)\n"


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_list_on_a_terminal_wraps_what_each_shows_whole(columns: int, env: dict[str, str]) -> None:
    lines = show("examples", "list", env={**env, "TERM": "xterm-256color"}, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    headings, *rows = table(lines)
    assert headings == ["Name", "Shows"]
    names = [name for name, _ in rows if name]
    assert names == list(EXAMPLES)
    described: dict[str, list[str]] = {}
    for name, text in rows:
        described.setdefault(name or names[len(described) - 1], []).append(text)
    assert {name: " ".join(parts) for name, parts in described.items()} == EXAMPLES  # wrapped, never cut
