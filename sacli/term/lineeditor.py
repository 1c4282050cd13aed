"""Reading the user's lines on a terminal: readline editing, a history file, Ctrl-C at the prompt.

The prompt is written by readline, which draws it and the line being edited on stdout: it
has to own the whole line to redraw it (history recall, long lines), and a prompt written
elsewhere would be overwritten. This is only used when stdin and stdout are both terminals,
so stdout is the screen here, not a product stream, and what the editor draws besides
readline goes there too: the end of the prompt's line at Ctrl-D (where readline does not end
it itself), a line discarded by Ctrl-C marked ``^C`` after what was typed (readline has gone
back to the start of the line's last row, which is drawn again), and a message written
elsewhere shown as if typed (``show_typed``).

Bracketed paste is on: a paste of several lines is one message, with its newlines, sent when
Enter is pressed (it stays in this run's history, not in the file, which holds one line per
entry). The history file (``$XDG_STATE_HOME/sacli/history``, mode 600) never holds keys: a line that
contains a configured key, or anything shaped like an OpenRouter or Super Agent key, is kept
out of it, and such lines already in the file are dropped when it is loaded.

TAB completes the word before the cursor from what ``complete`` offers for it (words are
separated by spaces only, so a model ID with its slashes is one word).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType

from sacli.errors import Stop
from sacli.settings.secrets import KEY_SHAPES
from sacli.term.statusline import cells
from sacli.term.stderr import Messages
from sacli.term.stdout import escape_controls
from sacli.term.tty import columns

HISTORY_LENGTH = 1000


class LineEditor:
    def __init__(
        self,
        history_path: Path | None,
        *,
        secrets: tuple[str, ...],
        messages: Messages,
        complete: Callable[[str, str], list[str]] | None = None,
    ) -> None:
        self.messages = messages
        self.secrets = tuple(s for s in secrets if s)
        self.history_path = history_path
        self.readline: ModuleType | None
        try:
            import readline
        except ImportError:  # a Python built without it: input() still works, without editing
            self.readline = None
            self.history_path = None
        else:
            self.readline = readline
            readline.set_auto_history(False)
            # A paste arrives whole, newlines and all, and is sent when Enter is pressed.
            readline.parse_and_bind("set enable-bracketed-paste on")
            readline.set_history_length(HISTORY_LENGTH)
            self._load_history()
            if complete is not None:
                self._complete_with(readline, complete)

    @staticmethod
    def _complete_with(readline: ModuleType, complete: Callable[[str, str], list[str]]) -> None:
        """TAB: ``complete(the line before the word, the word)`` gives the candidates."""
        found: list[str] = []

        def completer(word: str, state: int) -> str | None:
            if state == 0:
                found[:] = complete(readline.get_line_buffer()[: readline.get_begidx()], word)
            return found[state] if state < len(found) else None

        readline.set_completer_delims(" ")
        readline.set_completer(completer)
        if "libedit" in (readline.__doc__ or ""):
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")

    def holds_key(self, line: str) -> bool:
        return bool(KEY_SHAPES.search(line)) or any(secret in line for secret in self.secrets)

    def read(self, prompt: str) -> str | None:
        """The next line; None at end of input (Ctrl-D).

        Ctrl-C discards a line being typed and returns ""; at an empty prompt it raises
        ``Stop(SIGINT)`` for the entry point to end the process by that signal.
        """
        typed: list[str] = []

        def interrupted(signum: int, frame: FrameType | None) -> None:
            # Runs inside input() while readline still holds the line being edited.
            if self.readline is not None:
                typed.append(self.readline.get_line_buffer())
            raise Stop(signum)

        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, interrupted)
        try:
            line = input(prompt)
        except EOFError:
            if not self._ends_line_at_eof():
                _draw("\n")
            return None
        except Stop as stop:
            discarded = stop.signum == signal.SIGINT and typed and typed[0]
            if discarded:
                # A discarded line is marked, as a shell does, after what was typed: readline has
                # gone back to the start of the line's last row, which is drawn again, then "^C".
                _draw(last_row(prompt, discarded, columns(1)) + "^C\n")
                return ""
            _draw("\n")
            raise
        finally:
            signal.signal(signal.SIGINT, previous)
        self._remember(line)
        return line

    def _ends_line_at_eof(self) -> bool:
        """Whether the line editor ends the prompt's line itself at Ctrl-D: GNU readline does from
        8.1 on when bracketed paste is on (as here); libedit and plain input() leave it open."""
        readline = self.readline
        if readline is None or "libedit" in (readline.__doc__ or ""):
            return False
        return getattr(readline, "_READLINE_VERSION", 0) >= 0x0801

    def show_typed(self, prompt: str, line: str) -> None:
        """Show ``line`` after ``prompt`` as if it had been typed there (a message written in an editor)."""
        _draw(prompt + shown(line) + "\n")

    def _remember(self, line: str) -> None:
        readline = self.readline
        if readline is None or not line.strip() or self.holds_key(line):
            return
        readline.add_history(line)
        if self.history_path is not None and "\n" not in line:  # the file holds one entry per line
            try:
                # Also trims the file to the history length.
                readline.append_history_file(1, str(self.history_path))
            except OSError as exc:
                self._give_up_file(exc)

    def _load_history(self) -> None:
        path = self.history_path
        readline = self.readline
        if path is None or readline is None:
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            os.chmod(path, 0o600)
            readline.read_history_file(str(path))
            leaked = [
                index
                for index in range(readline.get_current_history_length())
                if self.holds_key(readline.get_history_item(index + 1) or "")
            ]
            for index in reversed(leaked):
                readline.remove_history_item(index)
            if leaked:
                readline.write_history_file(str(path))
        except OSError as exc:
            self._give_up_file(exc)

    def _give_up_file(self, exc: OSError) -> None:
        self.messages.warn(f"line history is not saved: {self.history_path}: {exc.strerror or exc}")
        self.history_path = None


def shown(text: str) -> str:
    """``text`` as readline shows it: a line break as one, a tab as spaces to the next stop,
    another control character as ``^X``; what else could drive the terminal is escaped."""
    rows = []
    for row in text.split("\n"):
        drawn = ""
        for char in row:
            if char == "\t":
                drawn += " " * (8 - len(drawn) % 8)
            elif char < " " or char == "\x7f":
                drawn += "^" + chr(ord(char) ^ 0x40)
            else:
                drawn += char
        rows.append(escape_controls(drawn))
    return "\n".join(rows)


def last_row(prompt: str, line: str, width: int) -> str:
    """What the last row of the terminal shows of ``prompt`` and ``line`` as readline draws them
    ``width`` cells wide: the text after the last line break, less the rows it filled."""
    row, used = "", 0
    for char in shown(prompt + line).rsplit("\n", 1)[-1]:
        size = cells(char)
        if used + size > width:  # a character that does not fit begins the next row
            row, used = "", 0
        row, used = row + char, used + size
        if used == width:  # a full row: the cursor goes on at the start of the next
            row, used = "", 0
    return row


def _draw(text: str) -> None:
    """Write on the terminal readline draws on (stdout: this editor is used only when it is one)."""
    data = text.encode("utf-8", "replace")
    try:
        while data:
            data = data[os.write(1, data) :]
    except OSError:
        pass  # the terminal is gone: reading the next line ends sacli
