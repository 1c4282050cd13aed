"""A bound on the wait for a reply's status line and headers, which httpx2 does not have.

The idle timeout bounds the silence between two reads, so a server that trickles its status
line and headers a byte at a time would hold sacli for ever. Once a request is sent, its reply's
head must be whole within ``--connect-timeout`` plus ``--idle-timeout`` seconds; past that the
request fails as a timeout (``HeadersTooSlow``, which httpx2 raises as a ``ReadTimeout``).

How: the transport's trace hook (httpcore2's ``http11.receive_response_headers`` events, which
come in the thread that makes the request) starts and stops a clock of that thread
(``awaiting_headers``), and every connection reads through a ``BoundedStream``, which gives a
read no more than the time left on its thread's clock. The streams come from a network backend
wrapped around the one of each connection pool httpx2 made (``install``): httpcore2's pools take
a backend, but httpx2 does not pass one on, so it is set on its pools.

The same streams keep a second clock of the thread, ``working_for``: the time one batch item may
take (``sacli batch --item-timeout``); past it a read fails with ``ItemTooSlow``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore2


class HeadersTooSlow(httpcore2.ReadTimeout):
    """The reply's status line and headers were not whole within the bound."""


class ItemTooSlow(httpcore2.ReadTimeout):
    """The thread's item ran past its time (``working_for``): ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the item took longer than {seconds:g} s")
        self.seconds = seconds


class _Clock(threading.local):
    ends: float | None = None
    item_ends: float | None = None
    item_seconds: float = 0.0


_CLOCK = _Clock()


def awaiting_headers(seconds: float | None) -> None:
    """From now on this thread's reads must bring the reply's head within ``seconds`` (None: no bound)."""
    _CLOCK.ends = None if seconds is None else time.monotonic() + seconds


def working_for(seconds: float | None) -> None:
    """This thread's reads must be done within ``seconds`` from now (None: no bound)."""
    _CLOCK.item_ends = None if seconds is None else time.monotonic() + seconds
    _CLOCK.item_seconds = seconds or 0.0


class BoundedStream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        item_ends = _CLOCK.item_ends
        if item_ends is not None:
            return self._read_by(item_ends, max_bytes, timeout)
        return self._read_headed(max_bytes, timeout)

    def _read_by(self, item_ends: float, max_bytes: int, timeout: float | None) -> bytes:
        left = item_ends - time.monotonic()
        if left <= 0:
            raise ItemTooSlow(_CLOCK.item_seconds)
        if timeout is not None and timeout < left:
            return self._read_headed(max_bytes, timeout)
        try:
            return self._read_headed(max_bytes, left)
        except HeadersTooSlow:
            raise
        except httpcore2.ReadTimeout:
            if time.monotonic() < item_ends:
                raise
            raise ItemTooSlow(_CLOCK.item_seconds) from None

    def _read_headed(self, max_bytes: int, timeout: float | None = None) -> bytes:
        ends = _CLOCK.ends
        if ends is None:
            return self.inner.read(max_bytes, timeout)
        left = ends - time.monotonic()
        if left <= 0:
            raise HeadersTooSlow("the reply's headers did not arrive in time")
        if timeout is not None and timeout < left:
            return self.inner.read(max_bytes, timeout)  # the idle timeout comes first
        try:
            return self.inner.read(max_bytes, left)
        except httpcore2.ReadTimeout:
            raise HeadersTooSlow("the reply's headers did not arrive in time") from None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, timeout)

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return BoundedStream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class BoundedBackend(httpcore2.NetworkBackend):
    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        return BoundedStream(self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        return BoundedStream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def install(client: Any) -> int:
    """Wrap the network backend of each connection pool of ``client`` (an httpx2.Client): its own and
    each proxy's. Returns how many were wrapped (a test checks that the client's own is)."""
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    wrapped = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore2.NetworkBackend) and not isinstance(backend, BoundedBackend):
            pool._network_backend = BoundedBackend(backend)  # type: ignore[union-attr]
            wrapped += 1
    return wrapped
