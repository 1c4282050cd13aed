"""``sacli memory``: the memory analytics shown as tables and charts, tab-separated lines, or JSON.

On a terminal ``stats`` and ``timeline`` are tables with a bar per row drawn to scale
(sacli.term.bars), ``storage`` a table of fields with a gauge of the percent used, ``access``
a table whose content is cut to the width. Off a terminal tab-separated lines with the values
as the server sent them; ``--json`` the server's ``data`` as it came. Any field may be missing
or of another type: it is shown as it came, or left empty, and draws no bar.
"""

from __future__ import annotations

from typing import Any

from sacli.readers.numbers import number, percent, whole
from sacli.term.bars import bar, bar_cells, gauge
from sacli.term.stdout import Output
from sacli.term.tables import Column, emit_json, emit_list, emit_records, tsv_field

# The stats' groups: the server's field, and the name a line gives it.
STATS_GROUPS = (("byCategory", "category"), ("byLevel", "level"), ("bySource", "source"), ("recentActivity", "recent"))
NAME_WANTS = 12  # cells of a name the bars leave room for
PERIOD_AT_MOST = 25  # a period longer than this (not a date) is cut, to leave the chart its room
STORAGE_FIELDS = (
    "usedBytes",
    "usedFormatted",
    "limitBytes",
    "limitFormatted",
    "percentUsed",
    "factCount",
    "avgFactSize",
)
ACCESS_COLUMNS: list[Column] = [
    ("id", "ID", None),
    ("accessCount", "Accesses", whole),
    ("lastAccessedAt", "Last access", None),
    ("content", "Content", None),
]


def show_stats(record: dict[str, Any], *, json: bool) -> None:
    out = Output()
    if json:
        emit_json(out, record)
        return
    rows = [{"group": "total", "name": "all", "count": record.get("totalCount")}]
    for field, group in STATS_GROUPS:
        counts = record.get(field)
        if isinstance(counts, dict):
            rows += [{"group": group, "name": name, "count": count} for name, count in counts.items()]
    if not out.is_terminal:
        emit_records(out, rows, [("group", "", None), ("name", "", None), ("count", "", None)])
        return
    shown = [
        {**row, "group": "" if n and rows[n - 1]["group"] == row["group"] else row["group"]}
        for n, row in enumerate(rows)
    ]
    _chart(out, shown, [("group", "Group"), ("count", "Facts")], ("name", "Name"))


def show_timeline(periods: list[dict[str, Any]], *, json: bool) -> None:
    out = Output()
    if json or not periods or not out.is_terminal:
        emit_list(out, periods, [("date", "", None), ("count", "", None)], json=json, empty="no facts in the timeline")
        return
    from sacli.term.statusline import fit

    shown = [
        {"date": fit(tsv_field(period.get("date")), PERIOD_AT_MOST), "count": period.get("count")} for period in periods
    ]
    _chart(out, shown, [("date", "Period"), ("count", "Facts")])


def show_storage(record: dict[str, Any], *, json: bool) -> None:
    out = Output()
    if json:
        emit_json(out, record)
        return
    if not out.is_terminal:
        rows = [{"field": field, "value": record.get(field)} for field in STORAGE_FIELDS]
        emit_records(out, rows, [("field", "", None), ("value", "", None)])
        return
    from sacli.term.tty import columns

    rows = [
        {"title": "Used", "value": _size(record.get("usedFormatted"), record.get("usedBytes"))},
        {"title": "Limit", "value": _size(record.get("limitFormatted"), record.get("limitBytes"))},
        {"title": "Percent used", "value": percent(record.get("percentUsed"))},
    ]
    used = number(record.get("percentUsed"))
    if used is not None:
        rows.append({"title": "", "value": gauge(used, 100, bar_cells(columns(1), [len("Percent used")]))})
    rows += [
        {"title": "Facts", "value": whole(record.get("factCount"))},
        {"title": "Average size", "value": _size(None, record.get("avgFactSize"))},
    ]
    emit_records(out, rows, [("title", "Field", None), ("value", "Value", None)], free="value")


def show_access(facts: list[dict[str, Any]], *, json: bool) -> None:
    from sacli.term.timefmt import human_time

    out = Output()
    columns = (
        ACCESS_COLUMNS
        if not out.is_terminal
        else [*ACCESS_COLUMNS[:2], ("lastAccessedAt", "Last access", human_time), ACCESS_COLUMNS[3]]
    )
    emit_list(out, facts, columns, json=json, empty="no fact has been accessed", free="content")


def _chart(
    out: Output, rows: list[dict[str, Any]], short: list[tuple[str, str]], free: tuple[str, str] | None = None
) -> None:
    """A table of ``rows`` with a last column of bars for their ``count``, the largest count filling its bar.

    ``short`` are the columns kept whole (the first is the one a person reads a row by), ``free``
    a column of names cut to leave the bars their room."""
    from sacli.term.statusline import cells
    from sacli.term.tablewidths import SHORT_AT_MOST
    from sacli.term.tty import columns

    counts = [found for row in rows if (found := number(row.get("count"))) is not None and found > 0]
    most = max(counts, default=0)
    texts = [{**row, "count": whole(row.get("count"))} for row in rows]
    widths = [max(cells(heading), *(cells(tsv_field(row[key])) for row in texts)) for key, heading in short]
    widths = [widths[0], *(min(width, SHORT_AT_MOST) for width in widths[1:])]
    if free is not None:
        widths.append(min(NAME_WANTS, max(cells(free[1]), *(cells(tsv_field(row[free[0]])) for row in texts))))
    cells_of_bar = bar_cells(columns(1), widths)
    for text, row in zip(texts, rows, strict=True):
        found = number(row.get("count"))
        text["bar"] = bar(found, most, cells_of_bar) if found is not None else ""
    shown: list[Column] = [(short[0][0], short[0][1], None)]
    shown += [(free[0], free[1], None)] if free is not None else []
    shown += [(key, heading, None) for key, heading in short[1:]] + [("bar", "Share", None)]
    emit_records(out, texts, shown, free=free[0] if free is not None else ())


def _size(formatted: Any, size: Any) -> str:
    """``512 KB (524,288 bytes)``: what the server wrote for people, and the bytes."""
    parts = [formatted if isinstance(formatted, str) else whole(formatted)]
    if size is not None:
        parts.append(f"{whole(size)} bytes" if number(size) is not None else whole(size))
    shown = [part for part in parts if part]
    return f"{shown[0]} ({shown[1]})" if len(shown) == 2 else "".join(shown)
