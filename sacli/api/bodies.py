"""Reading a reply's body within bounds, decoded from its Content-Encoding as it arrives.

httpx2 decodes gzip and deflate in pieces of at most 1 MiB, so a small compressed body cannot
inflate in one step; these functions stop as soon as a bound is passed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from sacli.api.limits import ERROR_BODY_LIMIT, JSON_BODY_LIMIT, mib
from sacli.errors import ApiError, SacliError

DRAIN_LIMIT = 64 * 1024  # the most read after a complete reply to keep its connection
END_WAIT = 0.25  # seconds the end of a complete reply's body is waited for, to keep its connection


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


def finish_body(response: Any, pieces: Iterator[bytes]) -> None:
    """Read the end of a reply that is complete ([DONE] came), so its connection can carry the
    next request (an interactive chat's next turn, a batch's next item).

    The end is usually read already (Content-Length reached, or a chunked body's last chunk in
    the same read) or on its way. It is waited for at most END_WAIT seconds, and at most
    DRAIN_LIMIT bytes are read; a server that goes on sending, or is silent, is hung up on then,
    and the connection is not reused (a connection whose socket was shut is never reused).
    """
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None:  # a replay: no connection to keep
        return
    timer = threading.Timer(END_WAIT, _hang_up, (sock,))
    timer.daemon = True
    timer.start()
    drained = 0
    try:
        for piece in pieces:
            drained += len(piece)
            if drained > DRAIN_LIMIT:
                return
    except SacliError:
        raise
    except Exception:  # the reply is whole; a connection that fails now is only not reused
        return
    finally:
        timer.cancel()


def _hang_up(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
