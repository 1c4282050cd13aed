"""sacli credits: the key's spending limit, what remains of it, and its usage today, this week and
this month, as the server keeps them (the shared truth across machines; the local log knows only
this machine's).

A table on a terminal; off it one ``field<TAB>value`` line per field; ``--json`` the server's
record as it came.
"""

from __future__ import annotations

from typing import Any

from sacli.cli.options import ConnectionOptions, Json, options

SHOWN = (
    ("label", "Key"),
    ("limit", "Limit"),
    ("limit_remaining", "Remaining"),
    ("limit_reset", "Resets"),
    ("usage_daily", "Used today"),
    ("usage_weekly", "Used this week"),
    ("usage_monthly", "Used this month"),
    ("usage", "Used in all"),
)


@options(conn=ConnectionOptions)
def credits(*, json: Json = False, conn: ConnectionOptions) -> None:
    """The key's spending limit, what remains, and its usage today, this week and this month."""
    from sacli.api.credits import key_status
    from sacli.commands.support.connect import connect
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json, emit_records

    api = connect(conn)
    with api:
        record = key_status(api)
    out = Output()
    if json:
        emit_json(out, record)
        return
    rows = [{"field": name, "title": title, "value": shown(name, record.get(name))} for name, title in SHOWN]
    if out.is_terminal:
        emit_records(out, rows, [("title", "Field", None), ("value", "Value", None)], free="value")
    else:
        emit_records(out, rows, [("field", "field", None), ("value", "value", None)])


def shown(name: str, value: Any) -> str:
    from sacli.term.money import dollars

    if value is None:
        return "no limit" if name in ("limit", "limit_remaining") else ""
    if name.startswith(("limit", "usage")) and name != "limit_reset":
        return dollars(value, 4) or str(value)
    return str(value)
