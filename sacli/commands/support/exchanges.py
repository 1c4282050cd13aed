"""What the chat commands share once the options are read: the client, the parameters, the log of
the exchanges, and the earlier exchange ``--reply-to`` follows up."""

from __future__ import annotations

from typing import Any

from sacli.api.client import ApiClient
from sacli.chat.exchangelog import ExchangeLog
from sacli.cli.options import LogOptions
from sacli.errors import UsageError
from sacli.store.logdb import log_file_path
from sacli.term.stderr import MESSAGES


def exchange_log(options: LogOptions, api: ApiClient, command: str) -> ExchangeLog:
    """The run's log: off with --no-log, SACLI_LOG=0 or log = false; a --replay run logs only when asked."""
    on = bool(options.log)
    asked = options.sources.get("log", "").startswith(("flag ", "env "))
    if api.replaying and not asked:
        on = False
    return ExchangeLog(
        path=log_file_path(options.log_db) if on else None,
        command=command,
        base_url=api.settings.base_url,
        tags=tuple(options.tag or ()),
        secrets=api.secrets(),
        messages=MESSAGES,
    )


def replied_to(options: LogOptions, exchange_id: str | None, *, session: str | None) -> list[dict[str, Any]] | None:
    """``--reply-to``: the logged exchange's messages and reply, to send before the new prompt."""
    if exchange_id is None:
        return None
    if session is not None:
        raise UsageError("--reply-to sends the earlier exchange itself: it cannot go with a session")
    from sacli.chat.replyto import conversation_of

    return conversation_of(options.log_db, exchange_id)
