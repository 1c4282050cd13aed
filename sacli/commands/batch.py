"""sacli batch: many prompts in one process, over one connection pool, one JSON line per answer.

Input: JSON Lines from FILE or stdin (sacli.batch.items). Output: one record per item as it
completes (sacli.batch.records), or in input order with --ordered (sacli.batch.run), also when
the run is cut short (sacli.batch.ending). Exit 0 when every item succeeded, 10 when any failed;
a bad option, an unreadable FILE or --resume file is 2 before anything is sent.

``sacli batch summary [FILE]...`` (sacli.commands.summary) compares the models of records already
written; ``sacli batch [OPTIONS] [FILE]`` is the group's default command, which has no name a
user types (sacli.cli.defaultgroup.ImpliedGroup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sacli.cli.defaultgroup import ImpliedCommand, ImpliedGroup
from sacli.cli.helpformat import PanelledCommand
from sacli.cli.optiongroup import Number, setting_option
from sacli.cli.options import TEXT, BatchChatOptions, ConnectionOptions, LogOptions, SpendOptions, flag, options
from sacli.settings.declared import BATCH_PANEL, MOST_DOLLARS, SPEND_PANEL

if TYPE_CHECKING:
    from sacli.batch.run import BatchRun

batch_app = typer.Typer(
    help=(
        "Answer many prompts: JSON Lines in, one JSON line per answer out, as each completes.\n\n"
        "sacli batch [OPTIONS] [FILE] answers them (see sacli batch --help); sacli batch summary [FILE]... "
        "compares the models of records already written."
    ),
    rich_markup_mode=None,
    cls=ImpliedGroup,
)


@options(conn=ConnectionOptions, chat=BatchChatOptions, log=LogOptions, spend=SpendOptions)
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
            help="Skip the items a previous run's output FILE answered (status ok); FILE must hold batch records.",
            panel=BATCH_PANEL,
            metavar="FILE",
        ),
    ] = None,
    resume_missing_ok: Annotated[
        bool,
        flag("--resume-missing-ok", help="A --resume FILE that does not exist yet is no error.", panel=BATCH_PANEL),
    ] = False,
    item_timeout: Annotated[float | None, setting_option("item_timeout")] = None,
    summary: Annotated[
        str | None,
        flag(
            "--summary",
            help="Write the comparison of the models (sacli batch summary --json) to FILE at the end.",
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
    chat: BatchChatOptions,
    log: LogOptions,
    spend: SpendOptions,
) -> None:
    """Answer many prompts: JSON Lines in, one JSON line per answer out, as each completes.

    Each input line is {"id": ..., "prompt": "..."} or {"id": ..., "messages": [...]}, with
    optional model (or models), system, temperature, max_tokens, schema and attach; the options
    are the defaults of every line. -m may be given more than once: each prompt is asked of each
    model. Each record is {"id", "line", "text", "finish_reason", "usage", "error", "status",
    "exit_code", ...} (sacli schema batch). Every item gets a record, also when Ctrl-C, SIGTERM or
    --timeout (the whole run) ends the run: the items never sent say "not started: ...". Exit 10
    when any item failed; exit 11 when a spending limit (--budget, or --max-cost for the whole
    run) stopped it from starting items.

    sacli batch summary [FILE]... prints the comparison of the models from records already
    written (an input file named summary is given as ./summary).
    """
    import os

    from sacli.batch.items import count_items, open_input, shard_of
    from sacli.batch.resume import read_resume
    from sacli.batch.run import BatchRun
    from sacli.chat.expiry import warn_if_expiring
    from sacli.chat.parameters import attaches_stdin, chat_parameters
    from sacli.commands.support.connect import connect
    from sacli.commands.support.exchanges import asks_cost, exchange_log, reply_cache, spending
    from sacli.errors import BatchFailed, DeadlineExceeded, TimeoutError_, UsageError
    from sacli.term.batchprogress import BatchProgress
    from sacli.term.stderr import MESSAGES
    from sacli.term.stdout import Output

    where = shard_of(shard)
    from_stdin = file in (None, "-")
    if from_stdin and attaches_stdin(chat):
        raise UsageError("--attach - and the batch cannot both read standard input")
    models = _models(chat)
    if summary is not None:
        _writable(summary)
    lines = open_input(file)
    api = connect(conn, model=models[0], pool=parallel, shared_pause=True)
    params = chat_parameters(chat, usage=asks_cost(False, log, spend) or max_cost_item is not None)
    warn_if_expiring(api.settings.base_url, api.settings.model)
    limits = spending(spend, log, api)
    limited = limits.limits.any or max_cost_item is not None
    resumed = read_resume(resume, missing_ok=resume_missing_ok) if resume is not None else None
    total = None if from_stdin or not MESSAGES.decorative else count_items(file, len(models))
    if total is not None and where is not None:
        k, n = where
        total = max(0, (total - k + n) // n)  # the indices k-1, k-1+n, ... below total
    folder = None if from_stdin else os.path.dirname(file or "") or None
    run = BatchRun(
        api, params, parallel=parallel, ordered=ordered, resumed=resumed, shard=where, models=models,
        on_progress=lambda counts: None, log=exchange_log(log, api, "batch", spend, limits), folder=folder,
        item_timeout=item_timeout, spending=limits if limited else None, max_cost_item=max_cost_item,
        cache=reply_cache(spend, log, api),
    )  # fmt: skip
    if summary is not None or MESSAGES.decorative:
        from sacli.batch.summary import Summary

        run.summary = Summary()
    try:
        with api, BatchProgress(MESSAGES, total=total) as progress:
            run.on_progress = progress.update
            counts = run.run(lines, Output())
            progress.end(counts)
        _summarise(run, summary)
    except DeadlineExceeded as exceeded:
        counts = run.counts
        raise TimeoutError_(
            f"timed out after {exceeded.seconds:g} s (--timeout); {counts['failed']} of "
            f"{counts['done'] + counts['failed']} items failed, were cut or were not started",
            hint="each has its record; --resume finishes the rest",
        ) from None
    finally:
        _warn(run, resume)
    if run.stopped_by is not None:
        error = run.stopped_by
        finished = counts["done"] + counts["failed"]
        error.message = f"{error.message}; {counts['failed']} of {finished} items failed or were not started"
        error.hint = "each has its record"
        raise error
    if counts["failed"]:
        finished = counts["done"] + counts["failed"]
        raise BatchFailed(f"batch finished with failed items: {counts['failed']} of {finished}")


def _warn(run: BatchRun, resume: str | None) -> None:
    from sacli.term.stderr import MESSAGES

    whole = run.total is not None  # the input read to its end: a record it has no line for is another's
    for warning in (run.ids.warning(), run.resumed.warning(resume or "") if run.resumed and whole else None):
        if warning is not None:
            MESSAGES.warn(warning)


def _models(chat: BatchChatOptions) -> list[str]:
    """The -m's given (each once, in order), else the one of the environment or the config file."""
    given = chat.model
    models = list(dict.fromkeys(given)) if isinstance(given, list | tuple) else [given]
    chat.model = models[0]  # what the chat options mean by it: the first
    return [str(model) for model in models]


def _writable(path: str) -> None:
    """--summary FILE is written at the end: that it can be is known before anything is sent."""
    from sacli.errors import UsageError

    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write --summary {path}: {exc.strerror or exc}") from None


def _summarise(run: BatchRun, path: str | None) -> None:
    """--summary FILE, and on a terminal the table, when the records name more than one model."""
    if run.summary is None:
        return
    document = run.summary.document()
    if path is not None:
        import json

        from sacli.errors import UsageError

        try:
            with open(path, "w", encoding="utf-8") as file:
                file.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise UsageError(f"cannot write --summary {path}: {exc.strerror or exc}") from None
    from sacli.term.stderr import MESSAGES

    if MESSAGES.decorative and len(document["models"]) > 1:
        from sacli.commands.support.summaryview import show_summary
        from sacli.term.stdout import Output

        show_summary(Output(fd=2), document)


def _register() -> None:
    from sacli.commands.summary import summary as summary_command

    batch_app.command("run", cls=ImpliedCommand, hidden=True)(batch)
    batch_app.command("summary", cls=PanelledCommand)(summary_command)


_register()
