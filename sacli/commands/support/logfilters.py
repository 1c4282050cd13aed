"""The filters the commands that read the local log share (sacli logs, sacli usage), declared once."""

from __future__ import annotations

from typing import Annotated

from sacli.cli.options import TEXT, flag

FILTER_PANEL = "Filters"

Since = Annotated[
    str | None,
    flag(
        "--since",
        help="From this long ago (30m, 2h, 7d, 4w) or this date on.",
        panel=FILTER_PANEL,
        metavar="WHEN",
        click_type=TEXT,
    ),
]
Until = Annotated[
    str | None,
    flag("--until", help="Before this long ago or this date.", panel=FILTER_PANEL, metavar="WHEN", click_type=TEXT),
]
ModelFilter = Annotated[
    str | None,
    flag(
        "--model",
        "-m",
        help="Only this model (asked for or answering).",
        panel=FILTER_PANEL,
        metavar="ID",
        click_type=TEXT,
    ),
]
SessionFilter = Annotated[
    str | None,
    flag("--session", help="Only this session's exchanges.", panel=FILTER_PANEL, metavar="ID", click_type=TEXT),
]
TagFilter = Annotated[
    list[str] | None,
    flag(
        "--tag",
        help="Only exchanges with this tag (repeatable: all of them).",
        panel=FILTER_PANEL,
        metavar="TEXT",
        click_type=TEXT,
    ),
]
