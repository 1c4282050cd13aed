"""The answer channel: stdout, written with one unbuffered write per delta.

Writes go straight to file descriptor 1, so each delta reaches a terminal, a pipe or a file
the moment it is handed over, with no flush to forget. A closed reader ends sacli by SIGPIPE;
any other failure to write (a full disk, a descriptor the caller closed) is an ``OutputError``.

When stdout is a terminal, control characters in model text (ESC, so CSI and OSC sequences,
and every other C0/C1 control but newline and tab) are shown escaped instead of executed,
unless ``raw`` is set; a carriage return followed by a newline is a line end (CRLF), kept,
also when the two come in two pieces. Off a terminal the text passes through unchanged.
"""

from __future__ import annotations

import errno
import os
import re
import select
import signal
import sys
from collections.abc import Callable
from typing import Any, TextIO

from sacli.errors import OutputError, Stop
from sacli.term.tty import is_terminal

# Standard descriptors the caller had closed (`>&-`): they now hold /dev/null, see occupy_closed_descriptors.
CLOSED_AT_START: set[int] = set()

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
_ESCAPES[0x1B] = "\\e"


def escape_controls(text: str) -> str:
    """``text`` with its control characters shown (``\\e``, ``\\xNN``) rather than executed; a
    newline and a tab stay, and so does a carriage return before a newline (a CRLF line end)."""
    if not _CONTROL.search(text):
        return text
    return "\r\n".join(part.translate(_ESCAPES) for part in text.split("\r\n"))


def occupy_closed_descriptors() -> None:
    """Give /dev/null to each of descriptors 0, 1 and 2 that the caller closed.

    Otherwise the first socket or file sacli opens would take that number, and the answer
    meant for stdout would go into it. Writing the answer still fails (``check_stdout``).
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            CLOSED_AT_START.add(fd)


def check_stdout(fd: int = 1) -> None:
    """Fail now, before any request is sent, when there is nowhere to write the answer."""
    if fd in CLOSED_AT_START:
        raise OutputError(f"cannot write standard output: {os.strerror(errno.EBADF)}")


def output_failure(exc: OSError, fd: int = 1) -> OutputError:
    """The error for a failed write; stdout then points at /dev/null, so nothing fails again on the way out."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    return OutputError(f"cannot write standard output: {exc.strerror or exc}")


class Output:
    def __init__(self, *, raw: bool = False, fd: int = 1) -> None:
        self.fd = fd
        self.is_terminal = is_terminal(fd)
        self.escape = self.is_terminal and not raw
        self.started = False
        self.ends_with_newline = True
        self.before_first_write: Callable[[], None] | None = None
        self.held_cr = False  # a carriage return that ended the last piece: a line end if a newline follows

    def write(self, text: str, *, errors: str = "replace") -> None:
        """``errors="surrogateescape"`` writes a file name that is not UTF-8 as its own bytes."""
        if not text:
            return
        self._start()
        if self.escape:
            if self.held_cr:
                text, self.held_cr = "\r" + text, False
            if text.endswith("\r"):
                text, self.held_cr = text[:-1], True
            if not text:
                return
            self.ends_with_newline = text[-1] == "\n"
            text = escape_controls(text)
        else:
            self.ends_with_newline = text[-1] == "\n"
        self._send(text, errors)

    def _send(self, text: str, errors: str = "replace") -> None:
        data = text.encode("utf-8", errors)
        check_stdout(self.fd)
        try:
            while data:
                try:
                    data = data[os.write(self.fd, data) :]
                except BlockingIOError:
                    # Whoever shares stdout left it non-blocking and the pipe is full: wait, do not fail.
                    select.select([], [self.fd], [])
        except BrokenPipeError:
            raise Stop(signal.SIGPIPE) from None
        except OSError as exc:
            raise output_failure(exc, self.fd) from None

    def _start(self) -> None:
        if not self.started:
            self.started = True
            if self.before_first_write is not None:
                self.before_first_write()

    def write_line(self, line: str) -> None:
        self.write(line + "\n")

    def finish(self) -> None:
        """The reply is over (an output that renders it does its last render here)."""
        self._release_cr()

    def end_line(self) -> None:
        """Finish the text with a newline when it does not end with one."""
        self._release_cr()
        if self.started and not self.ends_with_newline:
            self.write("\n")

    def _release_cr(self) -> None:
        """A carriage return held back at the end of the text is a control character after all."""
        if self.held_cr:
            self.held_cr = False
            self.ends_with_newline = False
            self._send(escape_controls("\r"))


class _GuardedStdout:
    """sys.stdout, with sacli's rules: a closed pipe stops sacli (SIGPIPE), any other failure is an OutputError.

    Help, version and completion text go through sys.stdout, and typer turns a BrokenPipeError
    there into exit status 1; a Stop or an OutputError passes through it to the entry point.
    """

    def __init__(self, stream: TextIO, *, closed: bool = False) -> None:
        self._stream = stream
        self._closed = closed
        self._failed = False

    def write(self, text: str) -> int:
        if text == "":
            return 0  # a probe (click writes "" to learn the stream's kind) must not fail
        if self._closed:
            check_stdout()
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._failure(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            if not self._failed:  # reported once; the interpreter's last flush must not fail again
                raise self._failure(exc) from None

    def _failure(self, exc: OSError) -> BaseException:
        if isinstance(exc, BrokenPipeError):
            return Stop(signal.SIGPIPE)
        self._failed = True
        return output_failure(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    if isinstance(sys.stdout, _GuardedStdout):
        return
    if sys.stdout is None:  # descriptor 1 was closed when Python started
        sys.stdout = _GuardedStdout(open(os.devnull, "w"), closed=True)  # noqa: SIM115
    else:
        sys.stdout = _GuardedStdout(sys.stdout)  # type: ignore[assignment]
