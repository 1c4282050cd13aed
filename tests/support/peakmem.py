"""Running sacli so that its peak memory can be measured honestly.

On Linux a child's ru_maxrss starts from the memory of the process that forked it: run
straight from a test process that has grown to hundreds of MiB, sacli would report that much
whatever it used itself. A small launcher process forks sacli from its own small address
space instead, waits for it, and reports its exit status and peak resident memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from typing import IO, Any

_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
os.write(int(os.environ["PEAKMEM_FD"]), json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss]).encode())
"""


class Measured(subprocess.Popen):  # type: ignore[type-arg]
    """A Popen whose ``peak()`` (after ``wait()``) gives (exit status, peak RSS in KiB) of the program."""

    def __init__(self, argv: list[Any], *, env: dict[Any, Any], **kwargs: Any) -> None:
        """``argv`` and ``env`` may hold bytes (arguments and variables that are not text)."""
        self._report_r, report_w = os.pipe()
        as_bytes = any(isinstance(key, bytes) for key in env)
        fd_variable = (b"PEAKMEM_FD", str(report_w).encode()) if as_bytes else ("PEAKMEM_FD", str(report_w))
        super().__init__(
            [sys.executable, "-c", _LAUNCHER, *argv],
            env={**env, fd_variable[0]: fd_variable[1]},
            start_new_session=True,  # so that kill_all reaches sacli too, not the launcher alone
            pass_fds=(report_w,),
            **kwargs,
        )
        os.close(report_w)

    def kill_all(self) -> None:
        """End the launcher and the program it runs (a test that timed out must leave nothing running)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.wait()

    def peak(self) -> tuple[int, int]:
        with os.fdopen(self._report_r, "rb") as report:
            status, maxrss_kib = json.loads(report.read())
        return status, maxrss_kib


def run_measured(
    argv: list[str], *, env: dict[str, str], stdout: IO[bytes] | int, stderr: IO[bytes] | int, timeout: float
) -> tuple[int, int]:
    proc = Measured(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill_all()
        raise
    return proc.peak()
