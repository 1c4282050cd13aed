"""sacli files: list and delete the files of the RAG knowledge base, shown as records on stdout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from sacli.api import files as files_api
from sacli.api.client import require_ids, unwrap
from sacli.cli.helpformat import PanelledCommand, PanelledGroup
from sacli.cli.options import ConnectionOptions, options
from sacli.commands.support.connect import connect
from sacli.errors import SacliError
from sacli.term.confirm import confirm
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import Column, deletion, emit_json, emit_list
from sacli.term.timefmt import human_time
from sacli.term.uploadprogress import human_size

FILTER_PANEL = "Filters"

files = typer.Typer(
    name="files",
    help="List and delete the files of the knowledge base.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=PanelledGroup,
)


@files.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    *,
    category: Annotated[
        str | None,
        typer.Option("--category", metavar="NAME", help="Only files of this category.", rich_help_panel=FILTER_PANEL),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="TAG", help="Only files with this tag (repeatable).", rich_help_panel=FILTER_PANEL
        ),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only files in this status, e.g. processed.",
            rich_help_panel=FILTER_PANEL,
        ),
    ] = None,
    json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Write each file as the server describes it, one JSON document per line.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """List the uploaded files.

    On a terminal a table; off it one line per file and no header: ID, file name, status,
    size in bytes and upload time, separated by tabs.
    """
    run_list(category=category, tags=tuple(tag or ()), status=status, json=json, conn=conn)


@files.command("delete", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def delete(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="File IDs, as 'sacli files list' shows them.")],
    *,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Do not ask; required when there is no terminal to ask on."),
    ] = False,
    json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Write one JSON object per ID: {id, deleted, response, error}.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """Delete files and their search chunks; stdout gets each deleted ID.

    If one delete fails sacli stops, and lists on stderr which IDs were deleted and which were not.
    """
    run_delete(ids, yes=yes, json=json, conn=conn)


# What the commands do

COLUMNS: tuple[Column, ...] = (
    ("fileId", "ID", None),
    ("filename", "File name", None),
    ("status", "Status", None),
    ("size", "Size", human_size),
    ("uploadedAt", "Uploaded", human_time),
)


def row(record: dict[str, Any]) -> dict[str, Any]:
    """A file object, whatever its server's spelling, as the columns name its fields."""
    return {
        "fileId": files_api.file_id(record),
        "filename": files_api.first_of(record, files_api.NAME_KEYS),
        "status": record.get("status"),
        "size": record.get("size"),
        "uploadedAt": files_api.first_of(record, files_api.UPLOADED_KEYS),
    }


def run_list(
    *, category: str | None, tags: Sequence[str], status: str | None, json: bool, conn: ConnectionOptions
) -> None:
    with connect(conn) as api:
        _, records = files_api.list_files(api, category=category, tags=tags, status=status)
    emit_list(Output(), records, COLUMNS, json=json, empty="no files", shown=[row(r) for r in records])


def run_delete(ids: Sequence[str], *, yes: bool, json: bool, conn: ConnectionOptions) -> None:
    ids = require_ids(ids, "file")
    api = connect(conn)
    messages = MESSAGES
    api.headers(require="super_agent")  # no key: fail before asking
    shown = ids[0] if len(ids) == 1 else f"{len(ids)} files ({', '.join(ids)})"
    if not confirm(f"Delete {shown} from the knowledge base?", yes=yes, messages=messages):
        messages.notice("nothing deleted")
        return
    out = Output()
    deleted: list[str] = []
    current = None
    try:
        with api:
            for file_id in ids:
                current = file_id
                reply = files_api.delete_file(api, file_id)
                deleted.append(file_id)
                current = None
                if json:
                    emit_json(out, deletion(file_id, deleted=True, response=unwrap(reply)))
                else:
                    out.write_line(file_id)
    except BaseException as error:
        if current is not None and isinstance(error, SacliError):
            error.message = f"deleting {current}: {error.message}"
            if error.status == 404:
                error.hint = "no such file ID? see 'sacli files list'"
            if json:
                for file_id in ids[len(deleted) :]:
                    emit_json(out, deletion(file_id, deleted=False, error=error if file_id == current else None))
        if len(ids) > 1:
            for file_id in ids:
                state = "deleted" if file_id in deleted else "failed" if file_id == current else "not deleted"
                messages.write(f"sacli: {state}: {file_id}\n")
        raise
