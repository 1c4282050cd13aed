"""What sacli keeps between runs under ``$XDG_STATE_HOME/sacli/``: the session ``--continue`` picks up.

The last session is written only after a request with it succeeded (a reply, or the session's
creation), whole or not at all (a temporary file renamed over the old one), mode 600.
"""

from __future__ import annotations

import contextlib
import os

from sacli.store.paths import state_dir

LAST_SESSION = "last-session"


def last_session() -> str | None:
    try:
        text = (state_dir() / LAST_SESSION).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def remember_session(session_id: str) -> None:
    """Keep ``session_id`` for ``--continue``; a state directory that cannot be written is no error."""
    if last_session() == session_id:
        return
    directory = state_dir()
    temporary = directory / f".{LAST_SESSION}.{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(session_id + "\n")
        os.replace(temporary, directory / LAST_SESSION)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
