"""Which files ``sacli upload`` sends: every path checked before anything is sent.

A missing, unreadable, empty or special file, or a directory without ``-r``, is a usage error
naming it. ``-`` is standard input: a regular file (``< file``) is sent from where it stands,
anything else (a pipe, a terminal) is first copied to an unlinked temporary file, so that its
length is known (exact Content-Length, a progress bar with an ETA), an empty stdin is caught
before anything is sent, and a retry can send it again.

The name sent for a file is its base name in UTF-8; a name that is not UTF-8 (bytes of another
encoding) is sent with each such byte replaced by U+FFFD, and a warning says so.

Directories (``-r``) are walked in name order; names starting with ``.`` are skipped below
the directory given, symbolic links to files are followed, links to directories are not
(no loops), special files are skipped, and empty files are skipped with a warning (an empty
file named on the command line is an error).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from contextlib import ExitStack

from sacli.api.multipart import CHUNK_SIZE, FileSource
from sacli.errors import UsageError
from sacli.readers.ostext import as_utf8, escaped, not_utf8
from sacli.term.stderr import Messages
from sacli.term.tty import is_terminal

STDIN = "-"
STDIN_NAME = "stdin"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def collect_sources(
    paths: Sequence[str], *, recursive: bool, name: str | None, messages: Messages, spools: ExitStack
) -> list[FileSource]:
    """Every file to upload, in order; a usage error naming each bad path, before anything is read."""
    if paths.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be given only once")
    if name is not None and STDIN not in paths:
        raise UsageError("--name names the file read from standard input; give '-' as well")
    if name is not None and not name.strip():
        raise UsageError("--name must not be empty")
    problems: list[str] = []
    planned: list[FileSource | None] = []  # None: standard input, read once every path is known good
    for path in paths:
        if path == STDIN:
            planned.append(None)
        else:
            planned += check_path(path, recursive=recursive, problems=problems, messages=messages)
    if problems:
        if len(problems) == 1:
            raise UsageError(f"cannot upload {problems[0]}", hint="nothing was uploaded")
        raise UsageError(f"cannot upload {len(problems)} paths: " + "; ".join(problems), hint="nothing was uploaded")
    return [source if source is not None else stdin_source(name or STDIN_NAME, messages, spools) for source in planned]


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
    return [FileSource(label=path, filename=sent_name(path, messages), size=info.st_size, path=path)]


def sent_name(path: str, messages: Messages) -> str:
    """The file name the server gets: the base name, in UTF-8 (a byte that is not UTF-8 becomes U+FFFD)."""
    name = os.path.basename(path)
    problem = not_utf8(name)
    if problem is None:
        return name
    sent = as_utf8(name)
    messages.warn(f"{escaped(path, len(path) * 4)}: the file name is not UTF-8 ({problem}); it is sent as {sent!r}")
    return sent


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
            found.append(FileSource(label=path, filename=sent_name(path, messages), size=info.st_size, path=path))
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
