"""Reading a reply's body within bounds, decoded from its Content-Encoding as it arrives.

httpx2 decodes gzip and deflate in pieces of at most 1 MiB, so a small compressed body cannot
inflate in one step; these functions stop as soon as a bound is passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sacli.api.limits import ERROR_BODY_LIMIT, JSON_BODY_LIMIT, mib
from sacli.errors import ApiError


def read_error_body(response: Any) -> bytes:
    """The first ERROR_BODY_LIMIT bytes of an error reply's decoded body; the rest is not read."""
    data = bytearray()
    for piece in decoded_pieces(response):
        data += piece
        if len(data) >= ERROR_BODY_LIMIT:
            break
    return bytes(data[:ERROR_BODY_LIMIT])


def read_json_body(response: Any) -> bytes:
    """A whole JSON reply's decoded body, which may be at most JSON_BODY_LIMIT bytes (more is an ``ApiError``)."""
    return collect(decoded_pieces(response), JSON_BODY_LIMIT, what=f"the reply from {response.url.path}")


def collect(pieces: Iterable[bytes], limit: int, *, what: str) -> bytes:
    data = bytearray()
    for piece in pieces:
        data += piece
        if len(data) > limit:
            raise ApiError(f"{what} is larger than {mib(limit)}; sacli stopped reading it")
    return bytes(data)


def decoded_pieces(response: Any) -> Iterator[bytes]:
    """The body as it arrives, decoded from its Content-Encoding (httpx2 decodes in pieces of at most 1 MiB)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    return response.iter_raw() if encoding in ("", "identity") else response.iter_bytes()
