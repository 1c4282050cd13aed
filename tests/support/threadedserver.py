"""A listening socket whose connections are each served by a thread: the base of the byte-level test servers.

Each accepted connection goes to ``serve(sock, index)`` in its own thread; ``index`` counts
connections from 0. The server is bounded: it accepts at most ``max_connections``, stops
accepting after ``lifetime`` seconds, and joins its threads when it closes. ``serve`` runs the
test's own code through ``guarded``: an ``OSError`` (a client that went away or refused a TLS
handshake, which several tests cause on purpose) is ignored; anything else fails the test when
the server closes.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Self

WAIT = 10.0  # the longest any socket operation or event waits before the test fails


class ThreadedServer:
    what = "server code"  # how a failure names the test's code: "a server script failed"
    timeout = WAIT  # for every socket operation of the connections, and for joining their threads

    def __init__(self, *, host: str = "127.0.0.1", max_connections: int | None = None, lifetime: float = 60.0) -> None:
        self.host = host
        self.max_connections = max_connections
        self.accepted = 0
        self.closing = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, 0), family=family)
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"{type(self).__name__}-accept", daemon=True)

    def serve(self, sock: socket.socket, index: int) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        return not self.closing.is_set() and time.monotonic() < self._deadline

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.closing.set()
        self._acceptor.join(self.timeout)
        for thread in self._threads:
            thread.join(self.timeout)
        self._listener.close()
        if exc_type is None and self._errors:
            raise AssertionError(f"a {self.what} failed: {self._errors[0]!r}") from self._errors[0]

    def guarded(self, sock: socket.socket, run: Callable[[], None]) -> None:
        try:
            run()
        except OSError:
            pass
        except BaseException as exc:  # broken test code must fail the test, not vanish in a thread
            self._errors.append(exc)
        finally:
            sock.close()

    def _accept_loop(self) -> None:
        while self.alive() and (self.max_connections is None or self.accepted < self.max_connections):
            ready, _, _ = select.select([self._listener], [], [], 0.02)
            if not ready:
                continue
            sock, _ = self._listener.accept()
            sock.settimeout(self.timeout)
            thread = threading.Thread(target=self.serve, args=(sock, self.accepted), daemon=True)
            self.accepted += 1
            self._threads.append(thread)
            thread.start()
