"""sacli upload: send files to the RAG knowledge base, each in its own request, and wait for processing.

The paths are checked first (sacli.commands.support.uploadsources); then each file is streamed from
disk in a multipart body (sacli.api.multipart). On the first failure sacli reports on stderr
which files were uploaded, which failed and which were not, and stops. ``--wait`` then polls
the file list until every uploaded file is processed or has failed, within ``--timeout``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import ExitStack, nullcontext
from typing import Annotated, Any, NamedTuple

import typer

from sacli.api import files as files_api
from sacli.api.client import ApiClient
from sacli.api.multipart import FileSource, MultipartBody
from sacli.cli.options import OUTPUT_PANEL, TEXT, ConnectionOptions, Json, flag, options
from sacli.commands.support.connect import connect
from sacli.commands.support.filemetadata import Category, Metadata, Tags, file_metadata
from sacli.commands.support.uploadsources import collect_sources, content_type_of
from sacli.errors import ApiError, DeadlineExceeded, SacliError, TimeoutError_, UsageError
from sacli.readers.jsontext import one_line
from sacli.readers.ostext import as_utf8
from sacli.term.spinner import spinning
from sacli.term.stderr import MESSAGES, Messages
from sacli.term.stdout import Output
from sacli.term.tables import emit_json, failure, tsv_field
from sacli.term.uploadprogress import UploadProgress

PANEL = "Upload"


@options(conn=ConnectionOptions)
def upload(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="Files to upload; '-' reads one file from standard input; directories need -r.",
            show_default=False,
        ),
    ],
    *,
    recursive: Annotated[
        bool,
        flag(
            "--recursive",
            "-r",
            help="Upload the files in directories, walking them (hidden names skipped).",
            panel=PANEL,
        ),
    ] = False,
    name: Annotated[
        str | None,
        flag(
            "--name",
            help="File name for the file read from '-' (stdin when not given).",
            panel=PANEL,
            metavar="FILENAME",
            click_type=TEXT,
        ),
    ] = None,
    category: Category = None,
    tag: Tags = None,
    metadata: Metadata = None,
    wait: Annotated[
        bool,
        flag(
            "--wait",
            help="Wait until the server has processed every file (exit 5 if one fails); bounded by --timeout.",
            panel=PANEL,
        ),
    ] = False,
    json: Json = False,
    verbose: Annotated[
        bool, flag("--verbose", "-v", help="Off a terminal, report each file's progress on stderr.", panel=OUTPUT_PANEL)
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """Upload files to the knowledge base searched with --rag, one request per file.

    Every path is checked before anything is sent. stdout gets one line per file: its ID, a
    tab, its path. If an upload fails sacli stops and lists on stderr which files were
    uploaded and which were not.
    """
    opts = UploadOptions(
        recursive=recursive,
        name=name,
        category=category,
        tags=tuple(tag or ()),
        metadata=metadata,
        wait=wait,
        json=json,
        verbose=verbose,
    )
    run_upload(paths, opts=opts, conn=conn)


# --wait: the file list is read after POLL_FIRST seconds, then each wait is POLL_FACTOR times
# longer, up to POLL_CAP_FACTOR times the first. SACLI_POLL_INTERVAL sets the first wait.
POLL_FIRST = 1.0
POLL_FACTOR = 1.5
POLL_CAP_FACTOR = 5.0
POLL_ENV = "SACLI_POLL_INTERVAL"


class UploadOptions(NamedTuple):
    recursive: bool = False
    name: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    metadata: str | None = None
    wait: bool = False
    json: bool = False
    verbose: bool = False


class Uploaded(NamedTuple):
    source: FileSource
    file_id: str | None
    record: dict[str, Any]


def run_upload(paths: Sequence[str], *, opts: UploadOptions, conn: ConnectionOptions) -> None:
    api = connect(conn)
    messages = MESSAGES
    fields = metadata_fields(opts)
    poll_first = poll_interval()
    api.headers(require="super_agent")  # no key: fail before reading stdin or sending anything
    with ExitStack() as spools:  # the temporary file holding stdin, if any, is removed at the end
        sources = collect_sources(paths, recursive=opts.recursive, name=opts.name, messages=messages, spools=spools)
        with api:
            uploaded = upload_all(api, sources, fields, opts)
            if opts.wait:
                wait_for_processing(api, uploaded, verbose=opts.verbose, first=poll_first, json=opts.json)


def metadata_fields(opts: UploadOptions) -> list[tuple[str, str]]:
    """The ``metadata`` form field, from --metadata as given or built from --category and --tag."""
    value = file_metadata(category=opts.category, tags=opts.tags, metadata=opts.metadata)
    if value is None:
        return []
    return [("metadata", opts.metadata.strip() if opts.metadata is not None else one_line(value))]


def poll_interval() -> float:
    text = os.environ.get(POLL_ENV)
    if not text:
        return POLL_FIRST
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"{POLL_ENV} must be a number of seconds above 0, got {text!r}")
    return value


def upload_all(
    api: ApiClient,
    sources: Sequence[FileSource],
    fields: list[tuple[str, str]],
    opts: UploadOptions,
) -> list[Uploaded]:
    """Upload one file after another; on the first failure report what was and was not uploaded, and stop."""
    messages = MESSAGES
    out = Output()
    progress = UploadProgress(messages, verbose=opts.verbose)
    uploaded: list[Uploaded] = []
    current: FileSource | None = None
    try:
        for source in sources:
            current = source
            body = MultipartBody(
                fields=fields, file_field="file", source=source, content_type=content_type_of(source.filename)
            )
            payload = files_api.upload(api, body, on_attempt=lambda s=source: progress.start(s))
            record = files_api.upload_record(payload)
            fid = files_api.file_id(record)
            progress.done(fid)
            uploaded.append(Uploaded(source, fid, record))
            current = None
            if opts.json and not opts.wait:  # with --wait the lines come once the final statuses are known
                emit_json(out, upload_line(source, record))
            if fid is None and (opts.wait or not opts.json):
                raise ApiError(f"the server took {source.label}, but its reply carries no file ID")
            if not opts.json:
                # The path as given, byte for byte, also one that is not UTF-8 (the server's ID is text).
                out.write(f"{as_utf8(tsv_field(fid))}\t{tsv_field(source.label)}\n", errors="surrogateescape")
    except BaseException as error:
        progress.finish()
        if current is not None and isinstance(error, SacliError):
            error.message = f"uploading {current.label}: {error.message}"
            if opts.json:
                lines = [upload_line(u.source, u.record) for u in uploaded] if opts.wait else []
                lines.append(upload_line(current, None, error))
                lines += [upload_line(s, None) for s in sources[len(uploaded) + 1 :]]
                for line in lines:
                    emit_json(out, line)
        if len(sources) > 1:
            report(messages, sources, uploaded, current)
        raise
    return uploaded


def upload_line(source: FileSource, record: dict[str, Any] | None, error: SacliError | None = None) -> dict[str, Any]:
    """One file's JSON Lines record: the server's file object (unwrapped), its path, whether it was uploaded.

    JSON is UTF-8: a path that is not has each such byte replaced by U+FFFD (the tab-separated
    line gives the path's own bytes)."""
    path = as_utf8(source.label)
    return {**(record or {}), "path": path, "uploaded": record is not None, "error": failure(error)}


def report(
    messages: Messages, sources: Sequence[FileSource], uploaded: list[Uploaded], failed: FileSource | None
) -> None:
    """One line per file on stderr: uploaded, failed, or not uploaded."""
    done = {id(u.source) for u in uploaded}
    for source in sources:
        if id(source) in done:
            state = "uploaded"
        elif source is failed:
            state = "failed"
        else:
            state = "not uploaded"
        messages.write(f"sacli: {state}: {source.label}\n")


# -- waiting for processing --------------------------------------------------------------------


def wait_for_processing(
    api: ApiClient, uploaded: list[Uploaded], *, verbose: bool, first: float, json: bool = False
) -> None:
    """Poll the file list until every uploaded file is processed (or has failed), within --timeout.

    With ``json``, each file's record with its final status is written at the end, also when
    the wait fails: the error of a file that failed or was still pending is in its record.
    """
    messages = MESSAGES
    pending: dict[str, Uploaded] = {}
    statuses: dict[str, str] = {}
    failed: list[str] = []
    for item in uploaded:
        assert item.file_id is not None
        status = files_api.file_status(item.record)
        statuses[item.file_id] = status or "uploaded"
        if status in files_api.FAILED_STATUSES:
            failed.append(item.file_id)
        elif status not in files_api.DONE_STATUSES:
            pending[item.file_id] = item
    labels = {item.file_id: item.source.label for item in uploaded}
    count = f"{len(pending)} files" if len(pending) > 1 else "".join(labels[fid] for fid in pending)
    try:
        with spinning(messages, f"waiting for the server to process {count}") if pending else nullcontext():
            poll_until_processed(api, pending, statuses, failed, labels=labels, verbose=verbose, first=first)
    except DeadlineExceeded:
        waiting = ", ".join(f"{labels[fid]} ({statuses[fid]})" for fid in pending)
        timed_out = TimeoutError_(f"timed out (--timeout) waiting for the server to process {waiting}")
        if json:
            write_final(uploaded, dict.fromkeys(pending, timed_out))
        raise timed_out from None
    failure_of = ApiError(
        f"the server failed to process {', '.join(f'{labels[f]} ({f}: {statuses[f]})' for f in failed)}"
    )
    if json:
        write_final(uploaded, dict.fromkeys(failed, failure_of))
    if failed:
        raise failure_of


def poll_until_processed(
    api: ApiClient,
    pending: dict[str, Uploaded],
    statuses: dict[str, str],
    failed: list[str],
    *,
    labels: dict[str, str],
    verbose: bool,
    first: float,
) -> None:
    """Read the file list, each wait longer, until no file is pending; the failed ones go to ``failed``."""
    delay = first
    while pending:
        time.sleep(delay)
        delay = min(delay * POLL_FACTOR, first * POLL_CAP_FACTOR)
        _, records = files_api.list_files(api)
        listed = {files_api.file_id(r): r for r in records}
        for fid in list(pending):
            record = listed.get(fid)
            if record is not None:
                pending[fid].record.update(record)
            status = files_api.file_status(record) if record is not None else "not listed yet"
            if verbose and status != statuses[fid]:
                MESSAGES.notice(f"{labels[fid]} ({fid}): {status or 'no status'}")
            statuses[fid] = status
            if status in files_api.DONE_STATUSES:
                del pending[fid]
            elif status in files_api.FAILED_STATUSES:
                del pending[fid]
                failed.append(fid)


def write_final(uploaded: list[Uploaded], errors: dict[str, SacliError]) -> None:
    out = Output()
    for item in uploaded:
        emit_json(out, upload_line(item.source, item.record, errors.get(item.file_id or "")))
