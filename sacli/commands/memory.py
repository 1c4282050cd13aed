"""sacli memory: the memory analytics: stats, a timeline of the facts added, storage, the facts read most.

The conventions of ``sacli facts`` (the same key, the same host-relative paths) and of ``sacli
usage`` (a table with bars drawn to scale on a terminal): tab-separated lines with no header
off a terminal, values as the API sent them, and with ``--json`` the API's ``data``, one object
for stats and storage, one array for timeline and access.
"""

from __future__ import annotations

from typing import Annotated, Any

from sacli.api.analytics import GROUPS
from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import TEXT, ConnectionOptions, Json, Number, flag, options

memory_app = command_group(
    "Memory analytics: the facts by category, level and source, a timeline, storage, the facts read most."
)


@memory_app.command("stats", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def stats(*, json: Json = False, conn: ConnectionOptions) -> None:
    """How many facts there are, by category, level and source, and how many were added lately.

    Off a terminal one line per count: GROUP, NAME, COUNT, separated by tabs; the groups are
    total (its name is all), category, level, source and recent (last24h, last7d, last30d).
    """
    from sacli.api.analytics import memory_stats
    from sacli.commands.support.memoryview import show_stats

    with _connect(conn) as api:
        record = memory_stats(api)
    show_stats(record, json=json)


@memory_app.command("timeline", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def timeline(
    *,
    group_by: Annotated[
        str,
        flag(
            "--group-by",
            help="One bar per hour, day, week or month (groupBy).",
            metavar="|".join(GROUPS),
            click_type=TEXT,
            show_default=True,
        ),
    ] = "day",
    days: Annotated[
        int,
        flag(
            "--days",
            help="How many days back (days).",
            metavar="N",
            click_type=Number(1, whole=True),
            show_default=True,
        ),
    ] = 30,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """How many facts were added in each period, drawn to scale on a terminal.

    Off a terminal one line per period: DATE, COUNT, separated by tabs.
    """
    from sacli.api.analytics import memory_timeline
    from sacli.commands.support.memoryview import show_timeline
    from sacli.errors import UsageError

    if group_by not in GROUPS:
        raise UsageError(f"--group-by takes {', '.join(GROUPS)}; got {group_by!r}")
    with _connect(conn) as api:
        periods = memory_timeline(api, group_by=group_by, days=days)
    show_timeline(periods, json=json)


@memory_app.command("storage", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def storage(*, json: Json = False, conn: ConnectionOptions) -> None:
    """The memory's size: used, the limit, the percent used, the number of facts and their average size.

    Off a terminal one line per field: FIELD, VALUE, separated by tabs (usedBytes, usedFormatted,
    limitBytes, limitFormatted, percentUsed, factCount, avgFactSize).
    """
    from sacli.api.analytics import memory_storage
    from sacli.commands.support.memoryview import show_storage

    with _connect(conn) as api:
        record = memory_storage(api)
    show_storage(record, json=json)


@memory_app.command("access", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def access(
    *,
    limit: Annotated[
        int,
        flag(
            "--limit", help="How many facts at most.", metavar="N", click_type=Number(1, whole=True), show_default=True
        ),
    ] = 10,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """The facts read most often, with how often and when last.

    Off a terminal one line per fact: ID, access count, lastAccessedAt, content, separated by tabs.
    """
    from sacli.api.analytics import access_patterns
    from sacli.commands.support.memoryview import show_access

    with _connect(conn) as api:
        facts = access_patterns(api, limit=limit)
    show_access(facts, json=json)


def _connect(conn: ConnectionOptions) -> Any:
    from sacli.commands.support.connect import connect

    return connect(conn)
