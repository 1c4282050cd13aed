"""Reading the local log: the exchanges a filter picks, one exchange by its (shortened) ID, and pruning.

A row comes back as a dict of the table's columns, the JSON columns decoded. A search is full
text (FTS5) over prompts and replies: each word of the text must appear, in any order.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.store.logdb import LogUnavailable, opened

JSON_COLUMNS = ("messages", "tool_calls", "usage", "retry_causes", "tags", "citations")
SHORTEST_ID = 4
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(now: float | None = None) -> str:
    """A unique ID that sorts by time: 10 characters of milliseconds, 16 of randomness (as a ULID)."""
    number = (int((time.time() if now is None else now) * 1000) << 80) | int.from_bytes(os.urandom(10))
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(125, -1, -5))


@dataclass
class Filter:
    limit: int | None = 20
    since: str | None = None  # UTC ISO 8601
    until: str | None = None
    model: str | None = None
    session: str | None = None
    tags: Sequence[str] = field(default_factory=tuple)
    failed: bool = False
    search: str | None = None


def select(path: Path, wanted: Filter) -> list[dict[str, Any]]:
    """The exchanges ``wanted`` picks, the latest first."""
    clauses, values = _clauses(wanted)
    source = "exchanges e"
    if wanted.search:
        source = "exchanges_fts f JOIN exchanges e ON e.rowid = f.rowid"
        clauses.append("exchanges_fts MATCH ?")
        values.append(fts_query(wanted.search))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    limit = f"LIMIT {int(wanted.limit)}" if wanted.limit is not None else ""
    with opened(path, create=False) as connection:
        connection.row_factory = _dict_row
        return connection.execute(
            f"SELECT e.* FROM {source} {where} ORDER BY e.started_at DESC, e.id DESC {limit}", values
        ).fetchall()


def _clauses(wanted: Filter) -> tuple[list[str], list[Any]]:
    """The WHERE clauses of a filter (its search and limit aside) over ``exchanges e``."""
    clauses: list[str] = []
    values: list[Any] = []
    if wanted.since:
        clauses.append("e.started_at >= ?")
        values.append(wanted.since)
    if wanted.until:
        clauses.append("e.started_at < ?")
        values.append(wanted.until)
    if wanted.model:
        clauses.append("(e.model = ? OR e.model_asked = ?)")
        values += [wanted.model, wanted.model]
    if wanted.session:
        clauses.append("e.session_id = ?")
        values.append(wanted.session)
    for tag in wanted.tags:
        clauses.append("EXISTS (SELECT 1 FROM exchange_tags t WHERE t.exchange_id = e.id AND t.tag = ?)")
        values.append(tag)
    if wanted.failed:
        clauses.append("e.exit_code != 0")
    return clauses, values


def spent(path: Path, *, tag: str | None, since: str | None) -> float:
    """Dollars the logged exchanges cost (reported or estimated), those with ``tag`` when given,
    from ``since`` (UTC ISO 8601) when given; 0 when there is no log yet."""
    if not path.exists():
        return 0.0
    clauses, values = _clauses(Filter(since=since, tags=(tag,) if tag is not None else ()))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with opened(path, create=False) as connection:
        return float(connection.execute(f"SELECT sum(e.cost) FROM exchanges e {where}", values).fetchone()[0] or 0.0)


GROUPINGS = {
    "day": "date(e.started_at, 'localtime')",
    "model": "coalesce(e.model, e.model_asked, '')",
    "tag": "coalesce(t.tag, '')",
    "session": "coalesce(e.session_id, '')",
}


def usage_by(path: Path, by: str, wanted: Filter) -> list[dict[str, Any]]:
    """The spend and tokens of the exchanges ``wanted`` picks (its limit aside), one row per ``by``
    (a key of GROUPINGS; a day is the local one), the latest day or the most spent first. An exchange
    with several tags counts under each; ``estimated`` counts the exchanges whose cost sacli worked out."""
    clauses, values = _clauses(wanted)
    source = "exchanges e LEFT JOIN exchange_tags t ON t.exchange_id = e.id" if by == "tag" else "exchanges e"
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    order = "key DESC" if by == "day" else "cost DESC, key"
    with opened(path, create=False) as connection:
        connection.row_factory = _dict_row
        return connection.execute(
            f"""SELECT {GROUPINGS[by]} AS key, count(*) AS exchanges,
                sum(e.exit_code != 0) AS failed,
                coalesce(sum(e.prompt_tokens), 0) AS prompt_tokens,
                coalesce(sum(e.completion_tokens), 0) AS completion_tokens,
                coalesce(sum(e.cost), 0) AS cost,
                coalesce(sum(e.cost_estimated = 1 AND e.cost IS NOT NULL), 0) AS estimated,
                sum(e.cost IS NULL) AS unpriced
            FROM {source} {where} GROUP BY key ORDER BY {order}""",
            values,
        ).fetchall()


def cached(path: Path, request_key: str, since: str) -> dict[str, Any] | None:
    """The latest exchange of ``request_key`` since ``since`` that ended well and whole: no error, no
    cut, no tool calls waiting for results, a finish reason of stop, itself no answer from the cache."""
    if not path.exists():
        return None
    with opened(path, create=False) as connection:
        connection.row_factory = _dict_row
        return connection.execute(
            """SELECT * FROM exchanges WHERE request_key = ? AND started_at >= ? AND status = 'ok'
                AND exit_code = 0 AND cut = 0 AND tool_calls IS NULL AND coalesce(finish_reason, 'stop') = 'stop'
                AND reply IS NOT NULL AND coalesce(cache_status, '') != 'local'
            ORDER BY started_at DESC LIMIT 1""",
            (request_key, since),
        ).fetchone()


def find(path: Path, short_id: str) -> dict[str, Any]:
    """The exchange whose ID starts with ``short_id`` (at least SHORTEST_ID characters, any case)."""
    wanted = short_id.strip().upper()
    if len(wanted) < SHORTEST_ID or any(c not in _CROCKFORD for c in wanted):
        raise LookupError(f"an exchange ID has at least {SHORTEST_ID} of the characters sacli logs shows: {short_id!r}")
    with opened(path, create=False) as connection:
        connection.row_factory = _dict_row
        found = connection.execute(
            "SELECT * FROM exchanges WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (wanted, wanted + "~")
        ).fetchall()
    if not found:
        raise LookupError(f"no exchange {short_id} in the log")
    if len(found) > 1:
        raise LookupError(f"{short_id} names more than one exchange: give more of its ID")
    return found[0]


def prune(path: Path, before: str) -> int:
    """Delete the exchanges that started before ``before``; how many there were."""
    import sqlite3

    with opened(path, create=False) as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            count = connection.execute("DELETE FROM exchanges WHERE started_at < ?", (before,)).rowcount
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LogUnavailable(f"cannot prune the log {path}: {exc}") from None
    return count


def _stored(value: Any) -> Any:
    """A value as sacli writes it: bytes a hand-edited row holds (a BLOB) as their text, a number
    that is not finite (which JSON has no way to write) as none."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fts_query(text: str) -> str:
    """Each word of ``text`` as a quoted FTS5 term: all must appear, and nothing is read as FTS syntax."""
    words = text.split()
    return " ".join('"' + word.replace('"', '""') + '"' for word in words) or '""'


def _dict_row(cursor: Any, values: tuple[Any, ...]) -> dict[str, Any]:
    row = {column[0]: _stored(value) for column, value in zip(cursor.description, values, strict=True)}
    row.pop("rowid", None)
    for name in JSON_COLUMNS:
        if isinstance(row.get(name), str):
            with contextlib.suppress(JsonProblem):  # a hand-edited row keeps its text
                row[name] = parse_json(row[name])
    return row
