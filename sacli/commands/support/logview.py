"""What ``sacli logs`` shows: the exchanges as a table, TSV or JSON; one exchange in full; pruning.

Times are read from ``--since``/``--until``/``--older-than`` as an age (``30m``, ``2h``, ``7d``,
``4w``) or a date or time (ISO 8601, local time when no offset is given).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sacli.errors import UsageError
from sacli.readers.jsontext import one_line
from sacli.store.logdb import LogUnavailable, log_file_path
from sacli.store.logquery import Filter, find, prune, select
from sacli.term.money import dollars
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import emit_json, emit_list, emit_records, tsv_field

AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)")
UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
SHOWN_ID = 12  # characters of an ID in the table: the time and two of the random ones


def age_seconds(text: str, option: str) -> float:
    """``text``, an age (30m, 12h, 7d, 4w), in seconds."""
    match = AGE.fullmatch(text.strip().lower())
    seconds = float(match[1]) * UNITS[match[2]] if match else -1.0
    if not 0 < seconds < 100 * 365 * 86400:
        raise UsageError(f"{option} wants an age (30m, 12h, 7d, 4w), got {text!r}")
    return seconds


def moment(text: str, option: str, now: datetime | None = None) -> str:
    """``text`` as the UTC ISO time that the log's ``started_at`` compares with."""
    now = now or datetime.now(UTC)
    match = AGE.fullmatch(text.strip().lower())
    try:
        if match:
            when = now - timedelta(seconds=float(match[1]) * UNITS[match[2]])
        else:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.astimezone()  # a date or time without an offset is the local one
    except (ValueError, OverflowError):
        raise UsageError(f"{option} wants an age (30m, 2h, 7d, 4w) or a date (2026-12-01), got {text!r}") from None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def show_list(log_db: str | None, wanted: Filter, *, since: str | None, until: str | None, json: bool) -> None:
    wanted.since = moment(since, "--since") if since else None
    wanted.until = moment(until, "--until") if until else None
    path = log_file_path(log_db)
    try:
        rows = select(path, wanted) if path.exists() else []
    except LogUnavailable as error:
        raise UsageError(str(error)) from None
    out = Output()
    if json or not out.is_terminal:
        emit_list(out, rows, TSV_COLUMNS, json=json, empty="no exchanges logged", shown=[_tsv(r) for r in rows])
        return
    shown = [_table_row(r) for r in rows]
    left_out = emit_list(out, rows, TABLE_COLUMNS, json=False, empty="no exchanges logged", shown=shown, free="prompt")
    if "Cost" not in left_out and any(r.get("cost_estimated") and r.get("cost") is not None for r in rows):
        MESSAGES.notice("* a cost sacli estimated from tokens at the model's prices")


TSV_COLUMNS = [
    (name, name, None)
    for name in (
        "id", "started_at", "model", "prompt_tokens", "completion_tokens", "cost", "duration_ms", "exit_code", "prompt"
    )
]  # fmt: skip
# In a terminal too narrow for all, the short columns are left out from the last: Took first.
TABLE_COLUMNS = [
    ("id", "ID", None),
    ("when", "When", None),
    ("model", "Model", None),
    ("cost", "Cost", None),
    ("exit", "Exit", None),
    ("tokens", "Tokens", None),
    ("took", "Took", None),
    ("prompt", "Prompt", None),
]


def _tsv(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "prompt": " ".join(str(row.get("prompt") or "").split())}


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    from sacli.term.timefmt import human_time

    tokens = [row.get("prompt_tokens"), row.get("completion_tokens")]
    return {
        "id": row["id"][:SHOWN_ID],
        "when": human_time(row.get("started_at")),
        "model": row.get("model") or row.get("model_asked") or "",
        "tokens": "" if tokens == [None, None] else "/".join("?" if t is None else str(t) for t in tokens),
        "cost": dollars(row.get("cost")) + ("*" if row.get("cost_estimated") and row.get("cost") is not None else ""),
        "took": seconds(row.get("duration_ms")),
        "exit": "" if row.get("exit_code") is None else str(row["exit_code"]),
        "prompt": " ".join(str(row.get("prompt") or "").split()),
    }


def seconds(ms: Any) -> str:
    return f"{ms / 1000:.1f} s" if isinstance(ms, int | float) and not isinstance(ms, bool) else ""


FIELDS = (
    "id", "started_at", "command", "status", "exit_code", "error", "host", "model_asked", "model", "generation_id",
    "session_id", "continued", "duration_ms", "first_token_ms", "retries", "retry_causes", "finish_reason",
    "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost", "cost_estimated",
    "cache_status", "usage", "tags", "sacli_version", "cut", "system", "prompt", "reasoning", "tool_calls",
    "citations", "refusal", "reply",
)  # fmt: skip


def show_one(log_db: str | None, exchange_id: str, *, reply: bool, replay_file: str | None, json: bool) -> None:
    path = log_file_path(log_db)
    try:
        row = find(path, exchange_id)
    except LogUnavailable as error:
        raise UsageError(str(error)) from None
    except LookupError as error:
        raise UsageError(str(error), hint="see 'sacli logs'") from None
    if replay_file is not None:
        from sacli.chat.logreplay import write_recording

        write_recording(row, replay_file)
    out = Output()
    if reply:
        out.write(row.get("reply") or "")
        return
    if json:
        emit_json(out, row)
        return
    fields = [(name, row.get(name)) for name in FIELDS if row.get(name) not in (None, "", [])]
    if not out.is_terminal:
        out.write("".join(f"{name}\t{tsv_field(value)}\n" for name, value in fields))
        return
    shown = [{"field": name, "value": value if isinstance(value, str) else one_line(value)} for name, value in fields]
    emit_records(out, shown, [("field", "Field", None), ("value", "Value", None)], free="value", wrap=True)


def prune_log(log_db: str | None, older_than: str, *, yes: bool) -> None:
    from sacli.term.confirm import confirm

    before = moment(older_than, "--older-than")
    path = log_file_path(log_db)
    if not path.exists():
        MESSAGES.notice("no log yet: nothing to prune")
        return
    if not confirm(f"Delete the exchanges logged before {before}?", yes=yes, messages=MESSAGES):
        MESSAGES.notice("nothing deleted")
        return
    try:
        count = prune(path, before)
    except LogUnavailable as error:
        raise UsageError(str(error)) from None
    Output().write_line(str(count))
