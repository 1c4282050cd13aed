"""sacli sessions: list, create, show, rename and delete the server-side conversation sessions."""

from typing import Annotated

import typer

from sacli.cli.options import OUTPUT_PANEL, ConnectionOptions, options

sessions_app = typer.Typer(
    help="Manage the server-side conversation sessions (the Memory API).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

Json = Annotated[
    bool,
    typer.Option(
        "--json", help="Write the API's JSON instead of text.", rich_help_panel=OUTPUT_PANEL, show_default=False
    ),
]
SessionId = Annotated[str, typer.Argument(metavar="ID", help="The session ID.", show_default=False)]


@sessions_app.command("list")
@options(conn=ConnectionOptions)
def list_(
    *,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="How many sessions to fetch (1-100).")] = 50,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """List sessions (at most --limit of them).

    A table on a terminal; elsewhere one tab-separated line per session: ID, title, createdAt
    (as the API sent it), message count. No header, no colour.
    """
    from sacli.sessionrun import run_list

    run_list(conn, limit=limit, json=json)


@sessions_app.command("create")
@options(conn=ConnectionOptions)
def create(
    *,
    title: Annotated[str | None, typer.Option("--title", help="The session's title.", show_default=False)] = None,
    session_id: Annotated[
        str | None,
        typer.Option("--id", metavar="UUID", help="Use this ID instead of a server-made one.", show_default=False),
    ] = None,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Create a session and print only its ID.

    So `SID=$(sacli sessions create --title nightly)` works; --json prints the API's object.
    """
    from sacli.sessionrun import run_create

    run_create(conn, title=title, session_id=session_id, json=json)


@sessions_app.command("show")
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
    from sacli.sessionrun import run_show

    run_show(conn, session_id, json=json)


@sessions_app.command("rename")
@options(conn=ConnectionOptions)
def rename(
    session_id: SessionId,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The new title.", show_default=False)],
    *,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Give a session a new title.

    Prints the session as `list` does (the API's object with --json).
    """
    from sacli.sessionrun import run_rename

    run_rename(conn, session_id, title, json=json)


@sessions_app.command("delete")
@options(conn=ConnectionOptions)
def delete(
    session_ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="The sessions to delete.", show_default=False)
    ],
    *,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (required without a terminal).", show_default=False)
    ] = False,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Delete sessions and their stored messages; prints each deleted ID on its own line.

    On a terminal it asks first; without one it needs --yes. Missing sessions are reported
    at the end (exit 5) after the others are deleted.
    """
    from sacli.sessionrun import run_delete

    run_delete(conn, session_ids, yes=yes, json=json)
