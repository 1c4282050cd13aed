"""A multipart/form-data body streamed from disk, with its exact length known in advance.

The body is text fields first, then one file part (the order of the reference's
``requests`` example, and the one a streaming parser on the server sees the metadata
before the file in). Names and file names are escaped as browsers do (WHATWG): ``"`` CR
and LF become ``%22`` ``%0D`` ``%0A``; anything else is sent as UTF-8.

``MultipartBody.chunks()`` starts a new pass over the file each time it is called, so a
retried request sends the whole body again; the file is read in 64 KiB pieces and never held
in memory whole.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sacli.errors import UsageError

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class FileSource:
    """Bytes to upload: ``size`` bytes of ``path``, or of an already open ``fd`` from ``offset``."""

    label: str  # how the user named it: the path, or "-" for stdin
    filename: str  # the file name sent to the server
    size: int
    path: str | None = None
    fd: int | None = None
    offset: int = 0

    def iter_chunks(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Exactly ``size`` bytes, in pieces of at most ``chunk_size``; an error if the file changed size."""
        if self.path is not None:
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                raise UsageError(f"cannot read {self.label}: {exc.strerror}") from None
        else:
            assert self.fd is not None
            fd = self.fd
        try:
            done = 0
            while done < self.size:
                data = self._pread(fd, min(chunk_size, self.size - done), self.offset + done)
                if not data:
                    raise UsageError(
                        f"{self.label} shrank while it was being uploaded ({self.size} bytes expected, {done} read)"
                    )
                done += len(data)
                yield data
            if self._pread(fd, 1, self.offset + done):
                raise UsageError(f"{self.label} grew while it was being uploaded (more than {self.size} bytes)")
        finally:
            if self.path is not None:
                os.close(fd)

    def _pread(self, fd: int, size: int, offset: int) -> bytes:
        try:
            return os.pread(fd, size, offset)
        except OSError as exc:
            raise UsageError(f"cannot read {self.label}: {exc.strerror}") from None


def quote(value: str) -> str:
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    def __init__(
        self,
        *,
        fields: Sequence[tuple[str, str]],
        file_field: str,
        source: FileSource,
        content_type: str,
        boundary: str | None = None,
    ) -> None:
        self.source = source
        self.boundary = boundary or f"sacli-{secrets.token_hex(16)}"
        dash = f"--{self.boundary}\r\n"
        head = "".join(
            f'{dash}Content-Disposition: form-data; name="{quote(name)}"\r\n\r\n{value}\r\n' for name, value in fields
        )
        head += (
            f'{dash}Content-Disposition: form-data; name="{quote(file_field)}"; filename="{quote(source.filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        self.head = head.encode("utf-8")
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int:
        return len(self.head) + self.source.size + len(self.tail)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Content-Length": str(self.content_length)}

    def chunks(self, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """One whole pass over the body; ``progress`` gets the file bytes sent so far after each piece."""
        yield self.head
        sent = 0
        for data in self.source.iter_chunks():
            yield data
            sent += len(data)
            if progress is not None:
                progress(sent)
        yield self.tail
