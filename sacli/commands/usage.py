"""sacli usage: what the logged exchanges cost, and their tokens, grouped by day, model, tag or session."""

from __future__ import annotations

from typing import Annotated

from sacli.cli.options import OUTPUT_PANEL, TEXT, Json, LogFileOptions, flag, options
from sacli.commands.support.logfilters import ModelFilter, SessionFilter, Since, TagFilter, Until

BY = ("day", "model", "tag", "session")


@options(log=LogFileOptions)
def usage(
    *,
    by: Annotated[
        str,
        flag(
            "--by",
            help="Group by day (the local one), model, tag or session.",
            metavar="|".join(BY),
            click_type=TEXT,
            show_default=True,
        ),
    ] = "day",
    since: Since = None,
    until: Until = None,
    model: ModelFilter = None,
    session: SessionFilter = None,
    tag: TagFilter = None,
    markdown: Annotated[
        bool, flag("--markdown", help="A Markdown table with a total, e.g. for a CI job's summary.", panel=OUTPUT_PANEL)
    ] = False,
    json: Json = False,
    log: LogFileOptions,
) -> None:
    """What the logged exchanges cost: spend and tokens by day, model, tag or session, drawn to scale."""
    from sacli.commands.support.usageview import show_usage
    from sacli.errors import UsageError
    from sacli.store.logquery import Filter

    if by not in BY:
        raise UsageError(f"--by takes {', '.join(BY)}; got {by!r}")

    wanted = Filter(limit=None, model=model, session=session, tags=tuple(tag or ()))
    show_usage(log.log_db, by, wanted, since=since, until=until, json=json, markdown=markdown)
