"""sacli sessions: list, create, show, rename and delete the server-side conversation sessions.

Each command calls the Memory API (sacli.api.sessions), then shows the result in one of three ways.

On a terminal: rich tables, times in local time or "5 min ago". Off a terminal: tab-separated
lines, no header, values as the API sent them. With ``--json``: the API's objects.

``show`` off a terminal writes one ``FIELD<TAB>VALUE`` line per field (``id``, ``title``,
``createdAt``, ``messageCount`` first, always, then any other field the API sent), then one
``message<TAB>ROLE<TAB>CONTENT`` line per stored message. ``delete`` writes each deleted ID on
its own line (``deleted ID`` on a terminal), or one JSON object per line with ``--json``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

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
from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import TEXT, ConnectionOptions, Json, Number, flag, options
from sacli.commands.support.connect import connect
from sacli.commands.support.deleting import delete_command
from sacli.store.state import last_session, remember_session
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import Column, emit_json, emit_list, emit_records, tsv_field
from sacli.term.timefmt import human_time

sessions_app = command_group("Manage the server-side conversation sessions (the Memory API).")

SessionId = Annotated[str, typer.Argument(metavar="ID", help="The session ID.", show_default=False, click_type=TEXT)]


@sessions_app.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    *,
    limit: Annotated[
        int,
        flag(
            "--limit",
            help="How many sessions to fetch.",
            metavar="N",
            click_type=Number(1, 100, whole=True),
            show_default=True,
        ),
    ] = 50,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """List sessions (at most --limit of them).

    A table on a terminal; elsewhere one tab-separated line per session: ID, title, createdAt
    (as the API sent it), message count. No header, no colour.
    """
    run_list(conn, limit=limit, json=json)


@sessions_app.command("create", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def create(
    *,
    title: Annotated[str | None, flag("--title", help="The session's title.", metavar="TEXT", click_type=TEXT)] = None,
    session_id: Annotated[
        str | None, flag("--id", help="Use this ID instead of a server-made one.", metavar="UUID", click_type=TEXT)
    ] = None,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Create a session and print only its ID.

    So `SID=$(sacli sessions create --title nightly)` works; --json prints the API's object.
    """
    run_create(conn, title=title, session_id=session_id, json=json)


@sessions_app.command("show", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def show(
    session_id: SessionId,
    *,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Show a session's fields, and its messages when the API returns them.

    Off a terminal: one `FIELD<TAB>VALUE` line per field, then one `message<TAB>ROLE<TAB>CONTENT`
    line per message.
    """
    run_show(conn, session_id, json=json)


@sessions_app.command("rename", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def rename(
    session_id: SessionId,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The new title.", show_default=False, click_type=TEXT)],
    *,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Give a session a new title.

    Prints the session as `list` does (the API's object with --json).
    """
    run_rename(conn, session_id, title, json=json)


sessions_app.command("delete", cls=PanelledCommand)(
    delete_command("session", " and their stored messages", lambda: (delete_session, SessionNotFound))
)


# What the commands do

CORE_FIELDS = ("id", "title", "createdAt", "messageCount")
SESSION_COLUMNS: list[Column] = [
    ("id", "ID", None),
    ("title", "Title", None),
    ("createdAt", "Created", human_time),
    ("messageCount", "Messages", None),
]


def run_list(conn: ConnectionOptions, *, limit: int, json: bool) -> None:
    with connect(conn) as api:
        sessions = list_sessions(api, limit=limit)
    out = Output()
    shown = [_with_id(s) for s in sessions]
    columns = SESSION_COLUMNS
    last = last_session() if out.is_terminal else None  # never in TSV, whose columns scripts count
    if last is not None and any(s.get("id") == last for s in shown):  # the one --continue uses
        shown = [{**s, "last": "← --continue" if s.get("id") == last else ""} for s in shown]
        columns = [*SESSION_COLUMNS, ("last", "", None)]
    emit_list(out, sessions, columns, json=json, empty="no sessions", shown=shown, free="title")


def run_create(conn: ConnectionOptions, *, title: str | None, session_id: str | None, json: bool) -> None:
    api = connect(conn)
    check_session_id(session_id, MESSAGES.warn)
    with api:
        session = create_session(api, title=title, session_id=session_id)
    remember_session(str(record_id(session)))
    out = Output()
    if json:
        emit_json(out, session)
    else:
        out.write_line(tsv_field(record_id(session)))


def run_show(conn: ConnectionOptions, session_id: str, *, json: bool) -> None:
    require_ids([session_id], "session")
    with connect(conn) as api:
        session = get_session(api, session_id)
    out = Output()
    if json:
        emit_json(out, session)
        return
    fields = _fields(_with_id(session))
    listed = session.get("messages")
    messages = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
    if not out.is_terminal:
        lines = [f"{tsv_field(name)}\t{tsv_field(value)}\n" for name, value in fields]
        lines += [
            f"message\t{tsv_field(m.get('role'))}\t{tsv_field(message_text(m.get('content')))}\n" for m in messages
        ]
        out.write("".join(lines))
        return
    shown = [{"field": name, "value": human_time(value) if _is_time(name) else value} for name, value in fields]
    emit_records(out, shown, [("field", "Field", None), ("value", "Value", None)], free="value", wrap=True)
    if messages:
        columns: list[Column] = [("role", "Role", None), ("content", "Content", message_text)]
        if any("createdAt" in m for m in messages):
            columns.append(("createdAt", "Time", human_time))
        emit_records(out, messages, columns, title="Messages", free="content", wrap=True)


def run_rename(conn: ConnectionOptions, session_id: str, title: str, *, json: bool) -> None:
    require_ids([session_id], "session")
    with connect(conn) as api:
        reply = rename_session(api, session_id, title)
    # The reply should be the updated session; a server that sends none (204) still renamed it.
    session = reply if isinstance(reply, dict) and reply else {"id": session_id, "title": title}
    out = Output()
    if json:
        emit_json(out, session)
    else:
        emit_records(out, [{"id": session_id, "title": title, **_with_id(session)}], SESSION_COLUMNS, free="title")


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
