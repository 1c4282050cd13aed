"""Asking before destroying things: on a terminal ask, elsewhere demand --yes."""

from __future__ import annotations

import os

from sacli.errors import UsageError
from sacli.term.stderr import Messages
from sacli.term.tty import is_terminal


def confirm(question: str, *, yes: bool, messages: Messages) -> bool:
    """True to go ahead. Without a terminal to ask on, ``--yes`` is required (a usage error otherwise)."""
    if yes:
        return True
    if not (is_terminal(0) and messages.stderr_is_terminal):
        raise UsageError("refusing to delete without confirmation: no terminal to ask on", hint="pass --yes")
    messages.ask(f"{question} [y/N]")
    try:
        typed = os.read(0, 1024)
    except OSError:
        typed = b""
    if not typed.endswith(b"\n"):
        messages.write("\n")  # Ctrl-D ends the answer with no line end: what follows goes below the question
    return typed.decode("utf-8", "replace").strip().lower() in ("y", "yes")
