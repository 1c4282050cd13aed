"""``sacli usage``: the spend and tokens of the logged exchanges, grouped by day, model, tag or session.

On a terminal a table with a bar per row drawn to scale (the row that cost most has the whole
bar) and a total; in a pipe one tab-separated line per group; ``--json`` one array of the groups;
``--markdown`` a Markdown table with a total, for a CI job's summary. A cost sacli worked out
rather than the server reported is marked ``*`` (``estimated`` in TSV and JSON).
"""

from __future__ import annotations

import math
from typing import Any

from sacli.commands.support.logview import moment
from sacli.errors import UsageError
from sacli.store.logdb import LogUnavailable, log_file_path
from sacli.store.logquery import Filter, usage_by
from sacli.term.bars import bar, bar_cells
from sacli.term.money import dollars
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import emit_json, emit_records

KEY_WANTS = 12  # cells of a name the bars leave room for
TSV_FIELDS = ("key", "exchanges", "failed", "prompt_tokens", "completion_tokens", "cost", "estimated")


def show_usage(
    log_db: str | None, by: str, wanted: Filter, *, since: str | None, until: str | None, json: bool, markdown: bool
) -> None:
    wanted.since = moment(since, "--since") if since else None
    wanted.until = moment(until, "--until") if until else None
    path = log_file_path(log_db)
    try:
        rows = usage_by(path, by, wanted) if path.exists() else []
    except LogUnavailable as error:
        raise UsageError(str(error)) from None
    for row in rows:  # a cost that is not a finite number (a hand-edited log) counts as none
        row["cost"] = round(row["cost"], 10) if isinstance(row["cost"], int | float) else 0.0
    out = Output()
    if json:
        emit_json(out, rows)
    elif markdown:
        out.write(markdown_table(by, rows))
    elif not rows:
        if MESSAGES.stderr_is_terminal:
            MESSAGES.notice("no exchanges logged" + (" that match" if _filtered(wanted) else ""))
    elif not out.is_terminal:
        emit_records(out, [{k: r[k] for k in TSV_FIELDS} for r in rows], [(k, k, None) for k in TSV_FIELDS])
    else:
        _table(out, by, rows)


def _filtered(wanted: Filter) -> bool:
    return any((wanted.since, wanted.until, wanted.model, wanted.session, wanted.tags))


def _table(out: Output, by: str, rows: list[dict[str, Any]]) -> None:
    from sacli.term.statusline import cells
    from sacli.term.tty import columns

    most = max(row["cost"] for row in rows)
    total = _total(rows)
    # The chart is why the table is drawn: it comes first, its bars shrink (to MIN_BAR cells) and the
    # names are cut before it would be left out.
    key_width = min(KEY_WANTS, max(cells(_key(by, row["key"])) for row in [*rows, {"key": "Total"}]))
    cost_width = max(len(_cost(row)) for row in [*rows, total])
    cells_of_bar = bar_cells(columns(1), [key_width, max(cost_width, 4)])
    shown = [
        {
            "key": _key(by, row["key"]),
            "exchanges": str(row["exchanges"]),
            "cost": _cost(row),
            "bar": bar(row["cost"], most, cells_of_bar),
        }
        for row in rows
    ]
    shown.append({"key": "Total", "exchanges": str(total["exchanges"]), "cost": _cost(total), "bar": ""})
    columns = [
        ("cost", "Cost", None),
        ("bar", "Share", None),
        ("key", by.capitalize(), None),
        ("exchanges", "Exchanges", None),
    ]  # the tokens are in the TSV, --json and --markdown: on a screen the names matter more
    emit_records(out, shown, columns, free="key")
    if total["estimated"]:
        MESSAGES.notice("* includes costs sacli estimated from tokens at the models' prices")
    if total["unpriced"]:
        n = total["unpriced"]
        said = "1 exchange reported no cost and counts" if n == 1 else f"{n} exchanges reported no cost and count"
        MESSAGES.notice(f"{said} as $0")


def markdown_table(by: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"| {by.capitalize()} | Exchanges | Failed | Prompt tokens | Completion tokens | Cost |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, row in [*((_key(by, row["key"]), row) for row in rows), ("**Total**", _total(rows))]:
        cells = [key, row["exchanges"], row["failed"], f"{row['prompt_tokens']:,}", f"{row['completion_tokens']:,}"]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in [*cells, _cost(row)]) + " |")
    if any(row["estimated"] for row in rows):
        lines += ["", "\\* includes costs estimated from tokens at the models' prices"]
    return "\n".join(lines) + "\n"


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {"key": None}
    for field in ("exchanges", "failed", "prompt_tokens", "completion_tokens", "estimated", "unpriced"):
        total[field] = sum(row[field] or 0 for row in rows)
    total["cost"] = round(math.fsum(row["cost"] for row in rows), 10)
    return total


def _cost(row: dict[str, Any]) -> str:
    return dollars(row["cost"]) + ("*" if row["estimated"] else "")


def _key(by: str, key: Any) -> str:
    if key in (None, ""):
        return {"tag": "(no tag)", "session": "(no session)", "model": "(unknown)"}.get(by, "(none)")
    return str(key)
