"""sacli batch: many prompts in one process, over one connection pool, one JSON line per answer.

Input: JSON Lines from FILE or stdin (sacli.batch.items). Output: one record per item as it
completes, ``{"id", "text", "finish_reason", "usage", "error"}``, or in input order with
--ordered (sacli.batch.run). Exit 0 when every item succeeded, 10 when any failed; a bad option
or an unreadable FILE is 2 before anything is sent.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.optiongroup import Number
from sacli.cli.options import TEXT, ChatOptions, ConnectionOptions, LogOptions, SpendOptions, flag, options
from sacli.settings.declared import MOST_DOLLARS, SPEND_PANEL

BATCH_PANEL = "Batch"


@options(conn=ConnectionOptions, chat=ChatOptions, log=LogOptions, spend=SpendOptions)
def batch(
    file: Annotated[
        str | None,
        typer.Argument(metavar="[FILE]", help="JSON Lines of prompts; stdin when absent or -.", show_default=False),
    ] = None,
    *,
    parallel: Annotated[
        int,
        flag(
            "--parallel",
            "-P",
            help="Requests at once.",
            panel=BATCH_PANEL,
            metavar="N",
            click_type=Number(1, 256, whole=True),
            show_default=True,
        ),
    ] = 4,
    ordered: Annotated[bool, flag("--ordered", help="Write the records in input order.", panel=BATCH_PANEL)] = False,
    resume: Annotated[
        str | None,
        flag(
            "--resume",
            help="Skip the ids a previous run's output FILE answered without an error.",
            panel=BATCH_PANEL,
            metavar="FILE",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        flag(
            "--shard",
            help="Only the items whose 0-based input index i has i % N == K - 1.",
            panel=BATCH_PANEL,
            metavar="K/N",
            click_type=TEXT,
        ),
    ] = None,
    max_cost_item: Annotated[
        float | None,
        flag(
            "--max-cost-item",
            help="Spend at most this many dollars on each item: --max-cost for one reply (its record says exit 11).",
            panel=SPEND_PANEL,
            metavar="USD",
            click_type=Number(0, MOST_DOLLARS),
        ),
    ] = None,
    conn: ConnectionOptions,
    chat: ChatOptions,
    log: LogOptions,
    spend: SpendOptions,
) -> None:
    """Answer many prompts: JSON Lines in, one JSON line per answer out, as each completes.

    Each input line is {"id": ..., "prompt": "..."} or {"id": ..., "messages": [...]}, with
    optional model, system, temperature, max_tokens, schema and attach; the options are the
    defaults of every line. Each record is {"id", "text", "finish_reason", "usage", "error"},
    error being null or {"message", "exit_code"}. Exit 10 when any item failed; exit 11 when a
    spending limit (--budget, or --max-cost for the whole run) stopped it from starting items, each
    of which still has its record.
    """
    from sacli.batch.items import count_items, finished_ids, open_input, shard_of
    from sacli.batch.run import BatchRun
    from sacli.chat.expiry import warn_if_expiring
    from sacli.chat.parameters import attaches_stdin, chat_parameters
    from sacli.commands.support.connect import connect
    from sacli.commands.support.exchanges import asks_cost, exchange_log, reply_cache, spending
    from sacli.errors import BatchFailed, UsageError
    from sacli.term.batchprogress import BatchProgress
    from sacli.term.stderr import MESSAGES
    from sacli.term.stdout import Output

    where = shard_of(shard)
    from_stdin = file in (None, "-")
    if from_stdin and attaches_stdin(chat):
        raise UsageError("--attach - and the batch cannot both read standard input")
    lines = open_input(file)
    api = connect(conn, model=chat.model, pool=parallel, shared_pause=True)
    params = chat_parameters(chat, usage=asks_cost(False, log, spend) or max_cost_item is not None)
    warn_if_expiring(api.settings.base_url, api.settings.model)
    limits = spending(spend, log, api)
    limited = limits.limits.any or max_cost_item is not None
    done = finished_ids(resume) if resume is not None else set()
    total = None if from_stdin or not MESSAGES.decorative else count_items(file)
    if total is not None and where is not None:
        k, n = where
        total = max(0, (total - k + n) // n)  # the indices k-1, k-1+n, ... below total
    with api, BatchProgress(MESSAGES, total=total) as progress:
        run = BatchRun(
            api, params, parallel=parallel, ordered=ordered, done=done, shard=where, on_progress=progress.update,
            log=exchange_log(log, api, "batch", spend, limits), spending=limits if limited else None,
            max_cost_item=max_cost_item, cache=reply_cache(spend, log, api),
        )  # fmt: skip
        counts = run.run(lines, Output())
        progress.end(counts)
    if run.stopped_by is not None:
        error = run.stopped_by
        finished = counts["done"] + counts["failed"]
        error.message = f"{error.message}; {counts['failed']} of {finished} items failed or were not started"
        error.hint = "each has its record"
        raise error
    if counts["failed"]:
        finished = counts["done"] + counts["failed"]
        raise BatchFailed(f"batch finished with failed items: {counts['failed']} of {finished}")
