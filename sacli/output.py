"""The answer channel: stdout, written with one unbuffered write per delta.

Writes go straight to file descriptor 1, so each delta reaches a terminal, a pipe or a file
the moment it is handed over, with no flush to forget. When stdout is a terminal, control
characters in model text (ESC, so CSI and OSC sequences, and every other C0/C1 control but
newline and tab) are shown escaped instead of executed, unless ``raw`` is set. Off a
terminal the text passes through unchanged.
"""

from __future__ import annotations

import os
import re
import select
import signal
import sys
from collections.abc import Callable
from typing import Any, TextIO

from sacli.errors import Stop
from sacli.tty import is_terminal

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
_ESCAPES[0x1B] = "\\e"


def escape_controls(text: str) -> str:
    return text.translate(_ESCAPES) if _CONTROL.search(text) else text


class Output:
    def __init__(self, *, raw: bool = False, fd: int = 1) -> None:
        self.fd = fd
        self.is_terminal = is_terminal(fd)
        self.escape = self.is_terminal and not raw
        self.started = False
        self.ends_with_newline = True
        self.before_first_write: Callable[[], None] | None = None

    def write(self, text: str) -> None:
        if not text:
            return
        if not self.started:
            self.started = True
            if self.before_first_write is not None:
                self.before_first_write()
        self.ends_with_newline = text[-1] == "\n"
        if self.escape:
            text = escape_controls(text)
        data = text.encode("utf-8", "replace")
        try:
            while data:
                try:
                    data = data[os.write(self.fd, data) :]
                except BlockingIOError:
                    # Whoever shares stdout left it non-blocking and the pipe is full: wait, do not fail.
                    select.select([], [self.fd], [])
        except BrokenPipeError:
            raise Stop(signal.SIGPIPE) from None

    def write_line(self, line: str) -> None:
        self.write(line + "\n")

    def end_line(self) -> None:
        """Finish the text with a newline when it does not end with one."""
        if self.started and not self.ends_with_newline:
            self.write("\n")


class _ClosedPipeStops:
    """sys.stdout, except that a closed pipe stops sacli (SIGPIPE) instead of raising BrokenPipeError.

    Help, version and completion text go through sys.stdout, and typer turns a BrokenPipeError
    there into exit status 1; a Stop passes through it to the entry point.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise Stop(signal.SIGPIPE) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise Stop(signal.SIGPIPE) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    if sys.stdout is not None and not isinstance(sys.stdout, _ClosedPipeStops):
        sys.stdout = _ClosedPipeStops(sys.stdout)  # type: ignore[assignment]
