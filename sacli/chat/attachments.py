"""``--attach``: images, PDFs and text files as content parts of the user's message.

The kind is read from the content's first bytes (PNG, JPEG, GIF, WebP, PDF), not only from the
name; anything else must be UTF-8 text, sent as a text part headed by its file name. An
``http(s)://`` URL is passed on as an image's URL. A file over 20 MiB, one that cannot be read,
or one of an unknown binary kind is a usage error naming it, and nothing is sent. ``-`` reads
the attachment from standard input (which is then not part of the prompt).
"""

from __future__ import annotations

import base64
import os
import stat
from typing import Any

from sacli.errors import UsageError

LIMIT = 20 * 1024 * 1024
# An image's part carries no file name, so the local log finds it here: each image attached in
# this run, by the SHA-256 of its bytes (a digest and a name, never the bytes).
_IMAGE_NAMES: dict[str, str] = {}
STDIN = "-"
IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def load_attachments(specs: list[str]) -> tuple[dict[str, Any], ...]:
    if specs.count(STDIN) > 1:
        raise UsageError("--attach -: standard input can be attached only once")
    return tuple(attachment(spec) for spec in specs)


def attachment(spec: str) -> dict[str, Any]:
    if spec.lower().startswith(("http://", "https://")):
        return {"type": "image_url", "image_url": {"url": spec}}
    name = "stdin" if spec == STDIN else os.path.basename(spec)
    data = _read(spec)
    kind = kind_of(data)
    if kind is not None and kind.startswith("image/"):
        import hashlib

        _IMAGE_NAMES[hashlib.sha256(data).hexdigest()] = name
        return {"type": "image_url", "image_url": {"url": data_url(kind, data)}}
    if kind == "application/pdf":
        return {"type": "file", "file": {"filename": name, "file_data": data_url(kind, data)}}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\0" in text:
        raise UsageError(f"cannot attach {spec}: not an image (PNG, JPEG, GIF, WebP), a PDF or UTF-8 text")
    return {"type": "text", "text": f"{name}:\n\n{text}"}


def image_name(sha256: str) -> str | None:
    """The file name of the image attached in this run whose bytes have this SHA-256."""
    return _IMAGE_NAMES.get(sha256)


def kind_of(data: bytes) -> str | None:
    for magic, kind in IMAGES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def data_url(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _read(spec: str) -> bytes:
    if spec == STDIN:
        chunks, size = [], 0
        while chunk := os.read(0, 1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if size > LIMIT:
                raise UsageError(f"cannot attach -: standard input is over the {LIMIT >> 20} MiB limit")
        if not size:
            raise UsageError("cannot attach -: standard input is empty")
        return b"".join(chunks)
    try:
        info = os.stat(spec)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"cannot attach {spec}: not a regular file")
        if info.st_size > LIMIT:
            raise UsageError(f"cannot attach {spec}: {info.st_size} bytes is over the {LIMIT >> 20} MiB limit")
        with open(spec, "rb") as file:
            data = file.read(LIMIT + 1)
    except OSError as exc:
        raise UsageError(f"cannot attach {spec}: {(exc.strerror or str(exc)).lower()}") from None
    if len(data) > LIMIT:
        raise UsageError(f"cannot attach {spec}: it is over the {LIMIT >> 20} MiB limit")
    return data
