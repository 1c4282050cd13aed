"""sacli files list and sacli files delete: the knowledge base as records on stdout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sacli.api import files as rag
from sacli.api.client import require_ids
from sacli.cli.options import ConnectionOptions
from sacli.commands.connection import Runtime
from sacli.errors import SacliError
from sacli.term.confirm import confirm
from sacli.term.progress import human_size
from sacli.term.stdout import Output
from sacli.term.tables import Column, emit_json, emit_records

COLUMNS: tuple[Column, ...] = (
    ("fileId", "ID", None),
    ("filename", "File name", None),
    ("status", "Status", None),
    ("size", "Size", human_size),
    ("uploadedAt", "Uploaded", None),
)


def row(record: dict[str, Any]) -> dict[str, Any]:
    """A file object, whatever its server's spelling, as the columns name its fields."""
    return {
        "fileId": rag.file_id(record),
        "filename": rag.first_of(record, rag.NAME_KEYS),
        "status": record.get("status"),
        "size": record.get("size"),
        "uploadedAt": rag.first_of(record, rag.UPLOADED_KEYS),
    }


def run_list(
    *, category: str | None, tags: Sequence[str], status: str | None, json: bool, conn: ConnectionOptions
) -> None:
    runtime = Runtime(conn)
    with runtime.transport() as transport:
        _, records = rag.list_files(runtime, transport, category=category, tags=tags, status=status)
    out = Output()
    if json:
        for record in records:
            emit_json(out, record)
        return
    if not records and runtime.messages.stderr_is_terminal:
        runtime.messages.notice("no files")
    emit_records(out, [row(r) for r in records], COLUMNS)


def run_delete(ids: Sequence[str], *, yes: bool, conn: ConnectionOptions) -> None:
    ids = require_ids(ids, "file")
    runtime = Runtime(conn)
    messages = runtime.messages
    runtime.headers(require="super_agent")  # no key: fail before asking
    shown = ids[0] if len(ids) == 1 else f"{len(ids)} files ({', '.join(ids)})"
    if not confirm(f"Delete {shown} from the knowledge base?", yes=yes, messages=messages):
        messages.notice("nothing deleted")
        return
    out = Output()
    deleted: list[str] = []
    current = None
    try:
        with runtime.transport() as transport:
            for file_id in ids:
                current = file_id
                rag.delete_file(runtime, transport, file_id)
                deleted.append(file_id)
                current = None
                out.write_line(file_id)
    except BaseException as error:
        if current is not None and isinstance(error, SacliError):
            error.message = f"deleting {current}: {error.message}"
            if error.status == 404:
                error.hint = "no such file ID? see 'sacli files list'"
        if len(ids) > 1:
            for file_id in ids:
                state = "deleted" if file_id in deleted else "failed" if file_id == current else "not deleted"
                messages.write(f"sacli: {state}: {file_id}\n")
        raise
