"""Everything sacli says on stderr: errors, warnings, notices, usage and the debug log.

Messages are plain one-line text (``sacli: error: ...``); no colour, so nothing needs
stripping in a pipe. On a terminal a message longer than the window is folded between words
(the terminal itself would cut words in two), its next lines indented. Every line passes
through ``redact`` so that no configured key can reach the terminal or a log, whatever the
message quotes; on a terminal, control characters in what a message quotes are shown
escaped, as model text is on stdout.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from sacli.term.tty import is_dumb, is_terminal

MIN_REDACTED_LENGTH = 6


class Messages:
    def __init__(self, *, debug: bool = False) -> None:
        self.debug_enabled = debug
        self._secrets: tuple[str, ...] = ()
        self.before_write: Callable[[], None] | None = None
        self.stderr_is_terminal = is_terminal(2)

    @property
    def decorative(self) -> bool:
        """Whether spinners and progress bars may be drawn on stderr: a terminal, and not a dumb one."""
        return self.stderr_is_terminal and not is_dumb()

    @contextlib.contextmanager
    def status_line(self, clear: Callable[[], None]) -> Iterator[None]:
        """While the block runs a status line (a spinner, a progress bar) is on stderr: ``clear``
        erases it before each message, and it is drawn again below."""
        previous, self.before_write = self.before_write, clear
        try:
            yield
        finally:
            self.before_write = previous

    def add_secrets(self, secrets: tuple[str, ...]) -> None:
        # Values this short are not real keys, and masking them would garble every message.
        wanted = (s for s in secrets if len(s) >= MIN_REDACTED_LENGTH)
        self._secrets = tuple(sorted({*self._secrets, *wanted}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def write(self, text: str, *, over_line: bool = False, dim: bool = False) -> None:
        """Write ``text``; ``over_line``: on a terminal, from the start of the line, over what is there;
        ``dim``: on a terminal with colour, in faint type (the model's reasoning)."""
        if self.before_write is not None:
            self.before_write()
        text = self.redact(text)
        if self.stderr_is_terminal:
            # Messages quote the server (error bodies, error events): as untrusted as model text.
            from sacli.term.stdout import escape_controls

            start = ("\r\x1b[K" if self.decorative else "\r") if over_line else ""
            text = start + escape_controls(text)
            if dim and self.decorative and not os.environ.get("NO_COLOR"):
                text = f"\x1b[2m{text}\x1b[22m"
        data = text.encode("utf-8", "replace")
        try:
            while data:
                data = data[os.write(2, data) :]
        except OSError:
            pass  # stderr is gone: there is no one left to tell

    def error(self, message: str, hint: str | None = None) -> None:
        line = f"sacli: error: {_one_line(message)}"
        if hint:
            line += f" ({_one_line(hint)})"
        self.write(self._folded(line) + "\n")

    def warn(self, message: str) -> None:
        self.write(self._folded(f"sacli: warning: {_one_line(message)}") + "\n")

    def notice(self, message: str, *, over_line: bool = False) -> None:
        self.write(self._folded(f"sacli: {_one_line(message)}") + "\n", over_line=over_line)

    def ask(self, question: str) -> None:
        """A question, folded between words as messages are, the cursor left after it for the answer."""
        self.write(self._folded(question) + " ")

    def _folded(self, line: str) -> str:
        if not self.stderr_is_terminal:
            return line  # one line per message, for scripts
        from sacli.term.statusline import cells
        from sacli.term.tty import columns

        width = columns(2)
        if cells(line) < width:
            return line
        import textwrap

        return "\n".join(textwrap.wrap(line, width - 1, subsequent_indent="  ", break_on_hyphens=False))

    def debug(self, message: str) -> None:
        if self.debug_enabled:
            self.write(f"sacli: debug: {message}\n")


_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _one_line(message: str) -> str:
    """A message on one line by any reader's count (a form feed or U+2028 ends a line too), its other
    control characters shown escaped, in a pipe as on a terminal: it may quote a server."""
    from sacli.term.stdout import escape_controls

    if not _LINE_BREAKS.isdisjoint(message):
        message = " ".join(message.split())
    return escape_controls(message)


MESSAGES = Messages()
"""The process's stderr channel; the entry point sets it up, commands add their secrets."""
