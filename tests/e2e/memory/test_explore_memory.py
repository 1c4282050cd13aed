"""Arbitrary replies to the memory analytics through the installed sacli, in a pipe, as JSON and on a
terminal: the documented exit codes, never 1, never a traceback, bounded memory, and on a terminal
no line wider than it."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import tempfile
import termios
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from wcwidth import wcwidth
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.e2e.memory.documented import REPLIES
from tests.support.explore import (
    EXPLORE,
    HOSTILE_JSON,
    Outcome,
    Scripted,
    assert_clean,
    json_values,
    sacli,
    shaped_like,
)
from tests.support.helpers import SACLI, read_terminal_until_closed
from tests.support.peakmem import Measured

COMMANDS = {"stats": "stats", "timeline": "timeline", "storage": "storage", "access": "access-patterns"}
CODES = {0, ExitCode.AUTH, ExitCode.API}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def replies_like(command: str) -> st.SearchStrategy[bytes]:
    documented = REPLIES[COMMANDS[command]]
    return st.one_of(
        shaped_like(documented).map(json.dumps),
        shaped_like(documented["data"]).map(lambda data: json.dumps({"success": True, "data": data})),
        HOSTILE_JSON,
        json_values().map(json.dumps),
    ).map(lambda text: text.encode("utf-8", "surrogatepass")) | st.binary(max_size=60)


def answering(body: bytes, status: int) -> Callable[[Request], Response]:
    return lambda request: Response(body, status=status, content_type="application/json")


def env_of(scripted: Scripted, home: Path) -> dict[str, str]:
    return {**scripted.env(home), "XDG_CONFIG_HOME": str(home / "no-config"), "NO_COLOR": "1", "TZ": "UTC"}


def on_terminal(args: list[str], env: dict[str, str], columns: int) -> Outcome:
    """sacli with stdout on a pseudo-terminal ``columns`` wide (stderr to a file), measured as ``sacli`` does."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    with tempfile.TemporaryFile() as err:
        proc = Measured([SACLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=err)
        try:
            os.close(terminal)
            shown = read_terminal_until_closed(controller)
            proc.wait(60)
        except BaseException:
            proc.kill_all()
            raise
        code, peak_kib = proc.peak()
        err.seek(0)
        return Outcome(args, code, shown, err.read(), peak_kib / 1024)


def width(line: str) -> int:
    """The cells ``line`` takes on a terminal, as the emulators (pyte's wcwidth) count them."""
    return sum(max(wcwidth(char), 0) for char in line)


@st.composite
def command_and_reply(draw: st.DrawFn) -> tuple[str, bytes]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    return command, draw(replies_like(command))


@EXPLORE
@given(
    chosen=command_and_reply(),
    status=st.sampled_from([200, 200, 200, 401, 404, 500]),
    json_out=st.booleans(),
)
def test_any_reply_in_a_pipe(
    scripted: Scripted, explore_home: Path, chosen: tuple[str, bytes], status: int, json_out: bool
) -> None:
    command, body = chosen
    scripted.answer(answering(body, status))
    args = ["memory", command, "--retries", "0", *(["--json"] if json_out else [])]
    outcome = sacli(args, env_of(scripted, explore_home))
    assert_clean(outcome, codes=CODES)
    if status != 200:
        assert outcome.code == (ExitCode.AUTH if status == 401 else ExitCode.API)


@EXPLORE
@given(chosen=command_and_reply(), columns=st.sampled_from([50, 80]))
def test_any_reply_on_a_terminal(
    scripted: Scripted, explore_home: Path, chosen: tuple[str, bytes], columns: int
) -> None:
    command, body = chosen
    scripted.answer(answering(body, 200))
    env = {k: v for k, v in env_of(scripted, explore_home).items() if k not in ("COLUMNS", "LINES")}  # the pty's size
    outcome = on_terminal(["memory", command, "--retries", "0"], env, columns)
    assert_clean(outcome, codes=CODES)
    lines = ANSI.sub("", outcome.stdout.decode("utf-8", "replace")).replace("\r", "").splitlines()
    assert all(width(line) <= columns for line in lines), "\n".join(lines)
