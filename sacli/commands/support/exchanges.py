"""What the chat commands share once the options are read: the client, the parameters, the log of
the exchanges, and the earlier exchange ``--reply-to`` follows up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sacli.api.client import ApiClient
from sacli.chat.exchangelog import ExchangeLog
from sacli.chat.replycache import ReplyCache
from sacli.chat.spending import Limits, Spending
from sacli.cli.options import LogOptions, SpendOptions
from sacli.errors import UsageError
from sacli.store.logdb import log_file_path
from sacli.term.stderr import MESSAGES


def exchange_log(
    options: LogOptions, api: ApiClient, command: str, spend: SpendOptions | None = None, limits: Spending | None = None
) -> ExchangeLog:
    """The run's log: off with --no-log, SACLI_LOG=0 or log = false; a --replay run logs only when asked.
    Its exchanges carry the run's tags, and the budget's scope when one is given; ``limits`` learns what
    each write added to the spend the log holds."""
    scope = [spend.budget_scope] if spend is not None and spend.budget_scope else []
    return ExchangeLog(
        on_write=limits.logging if limits is not None else None,
        path=_log_path(options, api),
        command=command,
        base_url=api.settings.base_url,
        tags=(*(options.tag or ()), *scope),
        secrets=api.secrets(),
        messages=MESSAGES,
    )


def _log_path(options: LogOptions, api: ApiClient) -> Path | None:
    asked = options.sources.get("log", "").startswith(("flag ", "env "))
    if not options.log or (api.replaying and not asked):
        return None
    return log_file_path(options.log_db)


def asks_cost(usage: bool, log: LogOptions, spend: SpendOptions) -> bool:
    """Whether the requests ask for their cost in the usage (OpenRouter's usage accounting): for
    --usage, for the log, and for the spending limits."""
    return usage or bool(log.log) or spend.max_cost is not None or spend.budget is not None


def reply_cache(spend: SpendOptions, log: LogOptions, api: ApiClient) -> ReplyCache | None:
    """--cache, when asked for: the local log answers what it has seen succeed within --cache-ttl."""
    from sacli.commands.support.logview import age_seconds

    if not spend.cache:
        return None
    path = _log_path(log, api)
    if path is None:
        raise UsageError("--cache answers from the local log: it cannot go with --no-log (or a --replay run)")
    explicit = spend.sources.get("cache", "").startswith("flag ")
    return ReplyCache(path, age_seconds(spend.cache_ttl, "--cache-ttl"), explicit=explicit)


def spending(spend: SpendOptions, log: LogOptions, api: ApiClient) -> Spending:
    """The run's spending limits."""
    from sacli.commands.support.logview import moment

    limits = Limits(
        max_cost=spend.max_cost,
        budget=spend.budget,
        scope=spend.budget_scope or (log.tag[0] if log.tag else None),
        since=moment(spend.budget_since, "--budget-since") if spend.budget_since else None,
        log_path=_log_path(log, api),
    )
    return Spending(api, limits)


def replied_to(options: LogOptions, exchange_id: str | None, *, session: str | None) -> list[dict[str, Any]] | None:
    """``--reply-to``: the logged exchange's messages and reply, to send before the new prompt."""
    if exchange_id is None:
        return None
    if session is not None:
        raise UsageError("--reply-to sends the earlier exchange itself: it cannot go with a session")
    from sacli.chat.replyto import conversation_of

    return conversation_of(options.log_db, exchange_id)
