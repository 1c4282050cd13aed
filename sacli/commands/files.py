"""sacli files: list, update and delete the files of the RAG knowledge base, shown as records on stdout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import TEXT, ConnectionOptions, Json, flag, options
from sacli.commands.support.deleting import delete_command
from sacli.commands.support.filemetadata import Category, Metadata, Tags

FILTER_PANEL = "Filters"

files = command_group("List, update and delete the files of the knowledge base.", name="files")


@files.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    *,
    category: Annotated[
        str | None,
        flag("--category", help="Only files of this category.", panel=FILTER_PANEL, metavar="NAME", click_type=TEXT),
    ] = None,
    tag: Annotated[
        list[str] | None,
        flag(
            "--tag", help="Only files with this tag (repeatable).", panel=FILTER_PANEL, metavar="TAG", click_type=TEXT
        ),
    ] = None,
    status: Annotated[
        str | None,
        flag(
            "--status",
            help="Only files in this status, e.g. processed.",
            panel=FILTER_PANEL,
            metavar="STATUS",
            click_type=TEXT,
        ),
    ] = None,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """List the uploaded files.

    On a terminal a table; off it one line per file and no header: ID, file name, status,
    size in bytes and upload time, separated by tabs.
    """
    run_list(category=category, tags=tuple(tag or ()), status=status, json=json, conn=conn)


@files.command("update", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def update(
    file_id: Annotated[str, typer.Argument(metavar="ID", help="The file's ID.", show_default=False, click_type=TEXT)],
    *,
    category: Category = None,
    tag: Tags = None,
    metadata: Metadata = None,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Give a file new metadata (its category and tags); prints it as list does (the API's object with --json).

    The content stays as it was: to replace it, delete the file and upload it again.
    """
    run_update(file_id, category=category, tags=tuple(tag or ()), metadata=metadata, json=json, conn=conn)


def _file_calls() -> tuple[Any, Any]:
    from sacli.api.files import FileNotFound, delete_file

    return delete_file, FileNotFound


files.command("delete", cls=PanelledCommand)(delete_command("file", " and their search chunks", _file_calls))


# What the commands do


def _size(value: Any) -> str:
    from sacli.term.uploadprogress import human_size

    return human_size(value)


def _time(value: Any) -> str:
    from sacli.term.timefmt import human_time

    return human_time(value)


COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("fileId", "ID", None),
    ("filename", "File name", None),
    ("status", "Status", None),
    ("size", "Size", _size),
    ("uploadedAt", "Uploaded", _time),
)


def row(record: dict[str, Any]) -> dict[str, Any]:
    """A file object, whatever its server's spelling, as the columns name its fields."""
    from sacli.api import files as files_api

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
    from sacli.api.files import list_files
    from sacli.commands.support.connect import connect
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_list

    with connect(conn) as api:
        _, records = list_files(api, category=category, tags=tags, status=status)
    shown = [row(r) for r in records]
    emit_list(Output(), records, COLUMNS, json=json, empty="no files", shown=shown, free="filename")


def run_update(
    file_id: str,
    *,
    category: str | None,
    tags: Sequence[str],
    metadata: str | None,
    json: bool,
    conn: ConnectionOptions,
) -> None:
    from sacli.api import files as files_api
    from sacli.api.client import require_ids
    from sacli.commands.support.connect import connect
    from sacli.commands.support.filemetadata import file_metadata
    from sacli.errors import UsageError
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json, emit_records

    require_ids([file_id], "file")
    new = file_metadata(category=category, tags=tags, metadata=metadata)
    if new is None:
        raise UsageError("nothing to update: give --category, --tag or --metadata")
    with connect(conn) as api:
        reply = files_api.update_file(api, file_id, new)
    # The reply should be the updated file; a server that sends none (204) still updated it.
    record = reply if isinstance(reply, dict) and reply else {"fileId": file_id, "metadata": new}
    out = Output()
    if json:
        emit_json(out, record)
    else:
        shown = row(record)
        emit_records(out, [{**shown, "fileId": shown["fileId"] or file_id}], COLUMNS, free="filename")
