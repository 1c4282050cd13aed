"""A command run in a pane of a real tmux (a server of its own, on a socket in a test's directory),
and what the pane then holds: its scrollback and its screen, as ``capture-pane -p -S -`` gives them."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

from tests.support.helpers import require_tool

END = "-- the end --"


def in_tmux(
    command: list[str], directory: Path, *, columns: int, rows: int, env: dict[str, str] | None = None
) -> list[str]:
    """Run ``command`` in a fresh pane of ``columns`` x ``rows`` until it ends; the pane's lines,
    the scrollback's first, trailing spaces and blank lines at the end dropped."""
    tmux = require_tool("tmux")
    socket = str(directory / "tmux.socket")
    script = directory / "pane.sh"
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in (env or {}).items())
    script.write_text(f"stty -echo\n{exports}{shlex.join(command)}\necho {shlex.quote(END)}\nexec sleep 60\n")
    outer = {key: value for key, value in os.environ.items() if key != "TMUX"}
    base = [tmux, "-S", socket, "-f", "/dev/null"]
    subprocess.run(
        [*base, "new-session", "-d", "-x", str(columns), "-y", str(rows), f"sh {shlex.quote(str(script))}"],
        env=outer,
        check=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # read the pane until the end mark is drawn
            captured = subprocess.run(
                [*base, "capture-pane", "-p", "-S", "-"], env=outer, capture_output=True, text=True, check=True
            ).stdout
            if END in captured or time.monotonic() > deadline:
                break
    finally:
        subprocess.run([*base, "kill-server"], env=outer, check=False)
    lines = [line.rstrip() for line in captured.split("\n")]
    lines = lines[: lines.index(END)] if END in lines else lines
    while lines and not lines[-1]:
        lines.pop()
    return lines
