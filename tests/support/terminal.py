"""The installed sacli in a real pseudo-terminal: type into it, read what it shows, with timeouts."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time

from tests.support.helpers import SACLI

TIMEOUT = 15.0


class Terminal:
    """sacli on the slave side of a pty (its controlling terminal); the test holds the master.

    ``stderr_path`` and ``stdout_path`` send that stream to a file instead of the terminal,
    to tell the streams apart; ``columns`` and ``rows`` are the terminal's size; ``cwd`` is
    the directory sacli runs in.
    """

    def __init__(
        self,
        *args: str,
        env: dict[str, str],
        stderr_path: str | None = None,
        stdout_path: str | None = None,
        columns: int = 200,
        rows: int = 50,
        cwd: str | None = None,
    ) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: only async-signal-safe work, then exec
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                if stdout_path is not None:
                    out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    os.dup2(out, 1)
                if stderr_path is not None:
                    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    os.dup2(err, 2)
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(SACLI, [SACLI, *args], env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.output = b""  # everything the terminal has shown
        self.seen = 0  # how much of it expect() has consumed
        self.status: int | None = None

    def _read(self, timeout: float) -> bool | None:
        """Read what arrives within ``timeout``: True if something did, None if not, False at the end."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return None
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child has gone and the slave is closed
            data = b""
        if not data:
            return False
        self.output += data
        return True

    def expect(self, text: bytes | str, timeout: float = TIMEOUT) -> bytes:
        """Wait until ``text`` appears after what was consumed; return everything up to its end."""
        needle = text.encode() if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while True:
            at = self.output.find(needle, self.seen)
            if at >= 0:
                shown = self.output[self.seen : at + len(needle)]
                self.seen = at + len(needle)
                return shown
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._read(remaining) is False:
                raise AssertionError(
                    f"{needle!r} did not appear; after the consumed part: {self.output[self.seen :]!r}"
                )

    def send(self, data: bytes | str) -> None:
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def interrupt(self, timeout: float = TIMEOUT) -> None:
        """Press Ctrl-C once sacli is asleep waiting for input.

        CPython's readline notices a signal only while blocked in select(): a SIGINT landing
        in the instant between drawing the prompt and entering select() waits for the next
        key. A person cannot hit that window; a test that types the moment the prompt shows
        can, so it waits for the sleeping state (from /proc, where there is one).
        """
        stat_path = f"/proc/{self.pid}/stat"
        deadline = time.monotonic() + timeout
        while os.path.exists(stat_path):
            with open(stat_path) as stat:
                state = stat.read().rpartition(")")[2].split()[0]
            if state == "S":
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"sacli never waited for input (state {state})")
            self._read(0.005)
        self.send("\x03")

    def type_line(self, line: str) -> None:
        """Type a line and press Enter, after the prompt has appeared."""
        self.expect(PROMPT)
        self.send(line + "\r")

    def leave(self) -> None:
        """/exit at the next prompt, and sacli ends with status 0."""
        self.type_line("/exit")
        assert self.exit_code() == 0

    def wait(self, timeout: float = TIMEOUT) -> int:
        """The wait status once sacli has ended (reading its output meanwhile so it never blocks)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"sacli did not end; it showed: {self.output[self.seen :]!r}")
            if self._read(min(remaining, 0.2)) is False:
                _, self.status = os.waitpid(self.pid, 0)
        while self._read(0):  # what is left in the pty after the end
            pass
        return self.status

    def exit_code(self, timeout: float = TIMEOUT) -> int:
        status = self.wait(timeout)
        assert os.WIFEXITED(status), f"ended by signal {os.WTERMSIG(status)}, not with an exit code"
        return os.WEXITSTATUS(status)

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                _, self.status = os.waitpid(self.pid, 0)
            except ProcessLookupError:
                pass
        os.close(self.fd)


PROMPT = b"> "
