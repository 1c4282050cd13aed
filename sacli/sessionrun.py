"""What ``sacli sessions ...`` does: call the Memory API, then show the result in one of three ways.

On a terminal: rich tables, times in local time or "5 min ago". Off a terminal: tab-separated
lines, no header, values as the API sent them. With ``--json``: the API's objects.

``show`` off a terminal writes one ``FIELD<TAB>VALUE`` line per field (``id``, ``title``,
``createdAt``, ``messageCount`` first, always, then any other field the API sent), then one
``message<TAB>ROLE<TAB>CONTENT`` line per stored message. ``delete`` writes each deleted ID on
its own line (``deleted ID`` on a terminal), or one JSON object per line with ``--json``.
"""

from __future__ import annotations

from typing import Any

from sacli.api.client import require_ids
from sacli.api.sessions import (
    SessionNotFound,
    check_session_id,
    create_session,
    delete_session,
    get_session,
    list_sessions,
    record_id,
    rename_session,
)
from sacli.cli.options import ConnectionOptions
from sacli.commands.connection import Runtime
from sacli.errors import ApiError
from sacli.term.confirm import confirm
from sacli.term.stdout import Output
from sacli.term.tables import Column, emit_json, emit_records, tsv_field
from sacli.term.timefmt import human_time

CORE_FIELDS = ("id", "title", "createdAt", "messageCount")
SESSION_COLUMNS: list[Column] = [
    ("id", "ID", None),
    ("title", "Title", None),
    ("createdAt", "Created", human_time),
    ("messageCount", "Messages", None),
]


def run_list(conn: ConnectionOptions, *, limit: int, json: bool) -> None:
    runtime = Runtime(conn)
    with runtime.transport() as transport:
        sessions = list_sessions(runtime, transport, limit=limit)
    runtime.deadline.cancel()
    out = Output()
    if json:
        emit_json(out, sessions)
    else:
        emit_records(out, [_with_id(s) for s in sessions], SESSION_COLUMNS)


def run_create(conn: ConnectionOptions, *, title: str | None, session_id: str | None, json: bool) -> None:
    runtime = Runtime(conn)
    check_session_id(session_id, runtime.messages)
    with runtime.transport() as transport:
        session = create_session(runtime, transport, title=title, session_id=session_id)
    runtime.deadline.cancel()
    out = Output()
    if json:
        emit_json(out, session)
    else:
        out.write_line(tsv_field(record_id(session)))


def run_show(conn: ConnectionOptions, session_id: str, *, json: bool) -> None:
    require_ids([session_id], "session")
    runtime = Runtime(conn)
    with runtime.transport() as transport:
        session = get_session(runtime, transport, session_id)
    runtime.deadline.cancel()
    out = Output()
    if json:
        emit_json(out, session)
        return
    fields = _fields(_with_id(session))
    messages = [m for m in session.get("messages") or () if isinstance(m, dict)]
    if not out.is_terminal:
        lines = [f"{tsv_field(name)}\t{tsv_field(value)}\n" for name, value in fields]
        lines += [
            f"message\t{tsv_field(m.get('role'))}\t{tsv_field(message_text(m.get('content')))}\n" for m in messages
        ]
        out.write("".join(lines))
        return
    shown = [{"field": name, "value": human_time(value) if _is_time(name) else value} for name, value in fields]
    emit_records(out, shown, [("field", "Field", None), ("value", "Value", None)])
    if messages:
        columns: list[Column] = [("role", "Role", None), ("content", "Content", message_text)]
        if any("createdAt" in m for m in messages):
            columns.append(("createdAt", "Time", human_time))
        emit_records(out, messages, columns, title="Messages")


def run_rename(conn: ConnectionOptions, session_id: str, title: str, *, json: bool) -> None:
    require_ids([session_id], "session")
    runtime = Runtime(conn)
    with runtime.transport() as transport:
        reply = rename_session(runtime, transport, session_id, title)
    runtime.deadline.cancel()
    # The reply should be the updated session; a server that sends none (204) still renamed it.
    session = reply if isinstance(reply, dict) and reply else {"id": session_id, "title": title}
    out = Output()
    if json:
        emit_json(out, session)
    else:
        emit_records(out, [{"id": session_id, "title": title, **_with_id(session)}], SESSION_COLUMNS)


def run_delete(conn: ConnectionOptions, session_ids: list[str], *, yes: bool, json: bool) -> None:
    ids = require_ids(session_ids, "session")
    runtime = Runtime(conn)
    runtime.headers(require="super_agent")  # no key: fail before asking
    question = f"Delete session {ids[0]}?" if len(ids) == 1 else f"Delete {len(ids)} sessions ({', '.join(ids)})?"
    if not confirm(question, yes=yes, messages=runtime.messages):
        runtime.messages.notice("nothing deleted")
        return
    out = Output()
    missing: list[SessionNotFound] = []
    with runtime.transport() as transport:
        for session_id in ids:
            try:
                reply = delete_session(runtime, transport, session_id)
            except SessionNotFound as error:
                missing.append(error)
                continue
            if json:
                emit_json(out, {"id": session_id, "deleted": True, "response": reply})
            elif out.is_terminal:
                out.write_line(f"deleted {session_id}")
            else:
                out.write_line(tsv_field(session_id))
    runtime.deadline.cancel()
    if len(missing) == 1:
        raise missing[0]
    if missing:
        raise ApiError(f"{len(missing)} sessions not found: {', '.join(e.session_id for e in missing)}")


def message_text(content: Any) -> str:
    """A message's text; content given as parts (``[{type: text, text}]``) is joined."""
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if texts:
            return "".join(texts)
    return tsv_field(content) if not isinstance(content, str) else content


def _with_id(record: dict[str, Any]) -> dict[str, Any]:
    """The record with ``id`` filled from ``sessionId`` when the server names it so."""
    found = record_id(record)
    return record if found is None or record.get("id") == found else {**record, "id": found}


def _fields(session: dict[str, Any]) -> list[tuple[str, Any]]:
    """The core fields (always, in order), then the others the API sent, messages aside."""
    fields = [(name, session.get(name)) for name in CORE_FIELDS]
    fields += [(k, v) for k, v in session.items() if k not in CORE_FIELDS and k != "messages"]
    return fields


def _is_time(name: str) -> bool:
    return name.endswith(("At", "_at")) or name in ("created", "updated", "timestamp")
