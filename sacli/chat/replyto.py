"""``--reply-to ID``: follow up on a logged exchange, sending its messages and its reply before the new prompt.

Only an exchange that used no server session can be followed up so (a session's history is on
the server: continue it with ``--session`` or ``-c``). The messages come as the log keeps them:
an attachment was logged as its description, not its bytes, so it is left out.
"""

from __future__ import annotations

from typing import Any

from sacli.errors import UsageError
from sacli.store.logdb import LogUnavailable, log_file_path
from sacli.store.logquery import find


def conversation_of(log_db: str | None, exchange_id: str) -> list[dict[str, Any]]:
    """The messages of the exchange, then its reply as the assistant's message."""
    try:
        row = find(log_file_path(log_db), exchange_id)
    except (LogUnavailable, LookupError) as error:
        raise UsageError(f"--reply-to: {error}", hint="see 'sacli logs'") from None
    if row.get("session_id"):
        raise UsageError(
            f"--reply-to: exchange {exchange_id} used the server session {row['session_id']}",
            hint=f"continue it with --session {row['session_id']}",
        )
    if row.get("status") != "ok":
        raise UsageError(f"--reply-to: exchange {exchange_id} did not end with a reply ({row.get('status')})")
    messages = [_without_attachments(m) for m in row.get("messages") or [] if isinstance(m, dict)]
    return [*messages, {"role": "assistant", "content": row.get("reply") or ""}]


def _without_attachments(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if not isinstance(content, list):
        return message
    parts = [part for part in content if not (isinstance(part, dict) and part.get("type") == "attachment")]
    return {**message, "content": parts}
