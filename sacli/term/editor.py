"""``/edit``: the next message composed in the user's editor ($VISUAL, else $EDITOR, else vi).

The editor gets the terminal and a temporary file (mode 600, removed afterwards); sacli ignores
Ctrl-C meanwhile, which is the editor's to handle. What the file holds when the editor exits
with status 0 is the message; an editor that fails, or a file left empty, sends nothing.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile

from sacli.term.stderr import Messages


def editor_command() -> list[str]:
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        return shlex.split(chosen) or ["vi"]
    except ValueError:
        return [chosen]


def compose(messages: Messages) -> str | None:
    """The message written in the editor, or None (the reason told on stderr)."""
    command = editor_command()
    fd, path = tempfile.mkstemp(prefix="sacli-message-", suffix=".md")
    os.close(fd)
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            status = subprocess.call([*command, path])
        except OSError as exc:
            messages.error(f"cannot run the editor {command[0]}: {exc.strerror or exc}", hint="set VISUAL or EDITOR")
            return None
        finally:
            signal.signal(signal.SIGINT, previous)
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    if status != 0:
        messages.error(f"the editor {command[0]} exited with status {status}; nothing sent")
        return None
    if not text.strip():
        messages.notice("the message is empty; nothing sent")
        return None
    return text.rstrip("\n")
