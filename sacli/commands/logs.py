"""sacli logs: the exchanges sacli has logged, one of them in full, the log's path, pruning.

A table on a terminal, one tab-separated line per exchange off it (ID, start, model, prompt
and completion tokens, cost, duration in ms, exit code, the start of the prompt), ``--json``
one array of the rows as stored. IDs can be shortened, as git's are.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.helpformat import PanelledCommand, PanelledGroup
from sacli.cli.options import TEXT, Json, LogFileOptions, Number, Yes, flag, options
from sacli.commands.support.logfilters import FILTER_PANEL, ModelFilter, SessionFilter, Since, TagFilter, Until

logs_app = typer.Typer(
    help="The exchanges sacli has logged: what was asked, what came back, what it cost.",
    invoke_without_command=True,
    rich_markup_mode=None,
    cls=PanelledGroup,
)


@logs_app.callback()
@options(log=LogFileOptions)
def list_(
    ctx: typer.Context,
    *,
    limit: Annotated[
        int,
        flag(
            "-n",
            "--limit",
            help="How many, the latest first.",
            metavar="N",
            click_type=Number(1, whole=True),
            show_default=True,
        ),
    ] = 20,
    since: Since = None,
    until: Until = None,
    model: ModelFilter = None,
    session: SessionFilter = None,
    tag: TagFilter = None,
    failed: Annotated[bool, flag("--failed", help="Only the exchanges that failed.", panel=FILTER_PANEL)] = False,
    search: Annotated[
        str | None,
        flag(
            "--search",
            "-q",
            help="Only those whose prompt or reply holds these words.",
            panel=FILTER_PANEL,
            metavar="TEXT",
            click_type=TEXT,
        ),
    ] = None,
    json: Json = False,
    log: LogFileOptions,
) -> None:
    """The latest exchanges: when, which model, tokens, cost, how long, the exit code, the prompt."""
    if ctx.invoked_subcommand is not None:
        return
    from sacli.commands.support.logview import show_list
    from sacli.store.logquery import Filter

    wanted = Filter(limit=limit, model=model, session=session, tags=tuple(tag or ()), failed=failed, search=search)
    show_list(log.log_db, wanted, since=since, until=until, json=json)


@logs_app.command("show", cls=PanelledCommand)
@options(log=LogFileOptions)
def show(
    exchange_id: Annotated[
        str, typer.Argument(metavar="ID", help="The exchange (the start of its ID will do).", click_type=TEXT)
    ],
    *,
    reply: Annotated[bool, flag("--reply", help="Write the reply's text alone, to pipe it on.")] = False,
    replay_file: Annotated[
        str | None,
        flag("--replay-file", help="Also write FILE: a recording of the exchange that --replay plays.", metavar="FILE"),
    ] = None,
    json: Json = False,
    log: LogFileOptions,
) -> None:
    """Everything about one exchange: the prompt, the reply, the usage, the cost, how it ended."""
    from sacli.commands.support.logview import show_one

    show_one(log.log_db, exchange_id, reply=reply, replay_file=replay_file, json=json)


@logs_app.command("path", cls=PanelledCommand)
@options(log=LogFileOptions)
def path(*, log: LogFileOptions) -> None:
    """Print the log's path (whether or not it exists yet), for sqlite3 or Datasette."""
    from sacli.store.logdb import log_file_path
    from sacli.term.stdout import Output

    Output().write_line(str(log_file_path(log.log_db)))


@logs_app.command("prune", cls=PanelledCommand)
@options(log=LogFileOptions)
def prune(
    *,
    older_than: Annotated[
        str,
        flag(
            "--older-than",
            help="Delete the exchanges older than this (90d, 12w, or a date).",
            metavar="AGE",
            click_type=TEXT,
        ),
    ],
    yes: Yes = False,
    log: LogFileOptions,
) -> None:
    """Delete old exchanges from the log; prints how many."""
    from sacli.commands.support.logview import prune_log

    prune_log(log.log_db, older_than, yes=yes)
