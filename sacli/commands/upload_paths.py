"""sacli upload: check every path, stream each file in its own request, optionally wait for processing.

Nothing is sent before every path has been checked: a missing, unreadable, empty or
special file, or a directory without ``-r``, is a usage error naming it. ``-`` is standard
input: a regular file (``< file``) is sent from where it stands, anything else (a pipe, a
terminal) is first copied to an unlinked temporary file, so that its length is known
(exact Content-Length, a progress bar with an ETA), an empty stdin is caught before anything
is sent, and a retry can send it again.

Directories (``-r``) are walked in name order; names starting with ``.`` are skipped below
the directory given, symbolic links to files are followed, links to directories are not
(no loops), special files are skipped, and empty files are skipped with a warning (an empty
file named on the command line is an error).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sacli.api import files as rag
from sacli.api.multipart import CHUNK_SIZE, FileSource, MultipartBody
from sacli.cli.options import ConnectionOptions
from sacli.commands.connection import Runtime
from sacli.errors import ApiError, DeadlineExceeded, SacliError, TimeoutError_, UsageError
from sacli.term.progress import UploadProgress
from sacli.term.stderr import Messages
from sacli.term.stdout import Output
from sacli.term.tables import emit_json, tsv_field
from sacli.term.tty import is_terminal

if TYPE_CHECKING:
    from sacli.api.transport import Transport

STDIN = "-"
STDIN_NAME = "stdin"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# --wait: the file list is read after POLL_FIRST seconds, then each wait is POLL_FACTOR times
# longer, up to POLL_CAP_FACTOR times the first. SACLI_POLL_INTERVAL sets the first wait.
POLL_FIRST = 1.0
POLL_FACTOR = 1.5
POLL_CAP_FACTOR = 5.0
POLL_ENV = "SACLI_POLL_INTERVAL"


@dataclass(frozen=True)
class UploadOptions:
    recursive: bool = False
    name: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    metadata: str | None = None
    wait: bool = False
    json: bool = False
    verbose: bool = False


@dataclass
class Uploaded:
    source: FileSource
    file_id: str | None
    record: dict[str, Any]


def run_upload(paths: Sequence[str], *, opts: UploadOptions, conn: ConnectionOptions) -> None:
    runtime = Runtime(conn)
    messages = runtime.messages
    fields = metadata_fields(opts)
    poll_first = poll_interval()
    runtime.headers(require="super_agent")  # no key: fail before reading stdin or sending anything
    with ExitStack() as spools:  # the temporary file holding stdin, if any, is removed at the end
        sources = collect_sources(paths, opts=opts, messages=messages, spools=spools)
        with runtime.transport() as transport:
            uploaded = upload_all(runtime, transport, sources, fields, opts)
            if opts.wait:
                wait_for_processing(runtime, transport, uploaded, verbose=opts.verbose, first=poll_first)


def metadata_fields(opts: UploadOptions) -> list[tuple[str, str]]:
    """The ``metadata`` form field, from --metadata as given or built from --category and --tag."""
    if opts.metadata is not None:
        if opts.category is not None or opts.tags:
            raise UsageError("--metadata gives the whole metadata; it cannot be combined with --category or --tag")
        try:
            value = json.loads(opts.metadata)
        except ValueError as exc:
            raise UsageError(f"--metadata is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise UsageError('--metadata must be a JSON object, e.g. \'{"category":"docs","tags":["a"]}\'')
        return [("metadata", opts.metadata.strip())]
    built: dict[str, Any] = {}
    if opts.category is not None:
        built["category"] = opts.category
    if opts.tags:
        built["tags"] = list(opts.tags)
    if not built:
        return []
    return [("metadata", json.dumps(built, ensure_ascii=False, separators=(",", ":")))]


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


# -- checking the paths ------------------------------------------------------------------------


def collect_sources(
    paths: Sequence[str], *, opts: UploadOptions, messages: Messages, spools: ExitStack
) -> list[FileSource]:
    """Every file to upload, in order; a usage error naming each bad path, before anything is read."""
    if paths.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be given only once")
    if opts.name is not None and STDIN not in paths:
        raise UsageError("--name names the file read from standard input; give '-' as well")
    if opts.name is not None and not opts.name.strip():
        raise UsageError("--name must not be empty")
    problems: list[str] = []
    planned: list[FileSource | None] = []  # None: standard input, read once every path is known good
    for path in paths:
        if path == STDIN:
            planned.append(None)
        else:
            planned += check_path(path, recursive=opts.recursive, problems=problems, messages=messages)
    if problems:
        if len(problems) == 1:
            raise UsageError(f"cannot upload {problems[0]}", hint="nothing was uploaded")
        raise UsageError(f"cannot upload {len(problems)} paths: " + "; ".join(problems), hint="nothing was uploaded")
    return [
        source if source is not None else stdin_source(opts.name or STDIN_NAME, messages, spools) for source in planned
    ]


def _reason(exc: OSError) -> str:
    text = exc.strerror or type(exc).__name__
    return text[:1].lower() + text[1:]


def check_path(path: str, *, recursive: bool, problems: list[str], messages: Messages) -> list[FileSource]:
    try:
        info = os.stat(path)
    except OSError as exc:
        problems.append(f"{path}: {_reason(exc)}")
        return []
    if stat.S_ISDIR(info.st_mode):
        if not recursive:
            problems.append(f"{path}: is a directory (use -r to upload the files in it)")
            return []
        return walk(path, problems=problems, messages=messages)
    if not stat.S_ISREG(info.st_mode):
        problems.append(f"{path}: not a regular file (use - to upload standard input)")
        return []
    if not _readable(path, problems):
        return []
    if info.st_size == 0:
        problems.append(f"{path}: is empty")
        return []
    return [FileSource(label=path, filename=os.path.basename(path), size=info.st_size, path=path)]


def _readable(path: str, problems: list[str]) -> bool:
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK))
    except OSError as exc:
        problems.append(f"{path}: {_reason(exc)}")
        return False
    return True


def walk(top: str, *, problems: list[str], messages: Messages) -> list[FileSource]:
    found: list[FileSource] = []
    before = len(problems)

    def unreadable(exc: OSError) -> None:
        problems.append(f"{exc.filename or top}: {_reason(exc)}")

    for directory, subdirs, names in os.walk(top, onerror=unreadable):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            try:
                info = os.stat(path)
            except OSError as exc:  # a dangling symbolic link, or gone since the listing
                problems.append(f"{path}: {_reason(exc)}")
                continue
            if not stat.S_ISREG(info.st_mode):
                messages.debug(f"skipping {path}: not a regular file")
                continue
            if not _readable(path, problems):
                continue
            if info.st_size == 0:
                messages.warn(f"skipping empty file {path}")
                continue
            found.append(FileSource(label=path, filename=name, size=info.st_size, path=path))
    if not found and len(problems) == before:
        problems.append(f"{top}: no files to upload in this directory")
    return found


def stdin_source(filename: str, messages: Messages, spools: ExitStack) -> FileSource:
    try:
        info = os.fstat(0)
    except OSError:
        raise UsageError("cannot upload '-': standard input is closed") from None
    if stat.S_ISREG(info.st_mode):
        try:
            offset = os.lseek(0, 0, os.SEEK_CUR)
        except OSError:
            offset = 0
        size = info.st_size - offset
        if size <= 0:
            raise UsageError("cannot upload '-': standard input is empty", hint="nothing was uploaded")
        return FileSource(label=filename, filename=filename, size=size, fd=0, offset=offset)
    import tempfile

    if is_terminal(0) and messages.stderr_is_terminal:
        messages.notice("reading the file to upload from the terminal; end it with Ctrl-D")
    # Closed (and so removed) by the caller's ExitStack once every upload is done.
    spool = spools.enter_context(tempfile.TemporaryFile(prefix="sacli-stdin-"))  # noqa: SIM115
    size = 0
    try:
        while data := os.read(0, CHUNK_SIZE):
            spool.write(data)
            size += len(data)
        spool.flush()
    except OSError as exc:
        raise UsageError(f"cannot upload '-': cannot read or spool standard input: {_reason(exc)}") from None
    if size == 0:
        raise UsageError("cannot upload '-': standard input is empty", hint="nothing was uploaded")
    return FileSource(label=filename, filename=filename, size=size, fd=spool.fileno())


def content_type_of(filename: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


# -- uploading ---------------------------------------------------------------------------------


def upload_all(
    runtime: Runtime,
    transport: Transport,
    sources: Sequence[FileSource],
    fields: list[tuple[str, str]],
    opts: UploadOptions,
) -> list[Uploaded]:
    """Upload one file after another; on the first failure report what was and was not uploaded, and stop."""
    messages = runtime.messages
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
            payload = rag.upload(runtime, transport, body, on_attempt=lambda s=source: progress.start(s))
            record = rag.upload_record(payload)
            fid = rag.file_id(record)
            progress.done(fid)
            uploaded.append(Uploaded(source, fid, record))
            current = None
            if opts.json:
                emit_json(out, payload)
            if fid is None and (opts.wait or not opts.json):
                raise ApiError(f"the server took {source.label}, but its reply carries no file ID")
            if not opts.json:
                out.write_line(f"{tsv_field(fid)}\t{tsv_field(source.label)}")
    except BaseException as error:
        progress.finish()
        if current is not None and isinstance(error, SacliError):
            error.message = f"uploading {current.label}: {error.message}"
        if len(sources) > 1:
            report(messages, sources, uploaded, current)
        raise
    return uploaded


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
    runtime: Runtime, transport: Transport, uploaded: list[Uploaded], *, verbose: bool, first: float
) -> None:
    """Poll the file list until every uploaded file is processed (or has failed), within --timeout."""
    messages = runtime.messages
    pending: dict[str, Uploaded] = {}
    statuses: dict[str, str] = {}
    failed: list[str] = []
    for item in uploaded:
        assert item.file_id is not None
        status = rag.file_status(item.record)
        statuses[item.file_id] = status or "uploaded"
        if status in rag.FAILED_STATUSES:
            failed.append(item.file_id)
        elif status not in rag.DONE_STATUSES:
            pending[item.file_id] = item
    labels = {item.file_id: item.source.label for item in uploaded}
    spinner = None
    if pending and messages.decorative:
        from sacli.term.spinner import Spinner

        count = f"{len(pending)} files" if len(pending) > 1 else labels[next(iter(pending))]
        spinner = Spinner(f"waiting for the server to process {count}").start()
        messages.before_write = spinner.clear
    delay = first
    try:
        while pending:
            time.sleep(delay)
            delay = min(delay * POLL_FACTOR, first * POLL_CAP_FACTOR)
            _, records = rag.list_files(runtime, transport)
            listed = {rag.file_id(r): r for r in records}
            for fid in list(pending):
                record = listed.get(fid)
                status = rag.file_status(record) if record is not None else "not listed yet"
                if verbose and status != statuses[fid]:
                    messages.notice(f"{labels[fid]} ({fid}): {status or 'no status'}")
                statuses[fid] = status
                if status in rag.DONE_STATUSES:
                    del pending[fid]
                elif status in rag.FAILED_STATUSES:
                    del pending[fid]
                    failed.append(fid)
    except DeadlineExceeded:
        waiting = ", ".join(f"{labels[fid]} ({statuses[fid]})" for fid in pending)
        raise TimeoutError_(f"timed out (--timeout) waiting for the server to process {waiting}") from None
    finally:
        if spinner is not None:
            spinner.stop()
            messages.before_write = None
    if failed:
        shown = ", ".join(f"{labels[fid]} ({fid}: {statuses[fid]})" for fid in failed)
        raise ApiError(f"the server failed to process {shown}")
