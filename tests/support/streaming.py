"""A pytest-httpserver handler whose SSE stream is paced by the test, and sees the client leave."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from werkzeug import Request, Response

from tests.support.helpers import chunk, event


class PacedStream:
    """Sends ``first``, then waits for ``release`` before the rest; keeps the stream open meanwhile.

    While held it sends a keep-alive comment every ``keepalive`` seconds, so that the server
    notices (``client_gone``) when sacli closes the connection.
    """

    def __init__(self, first: list[str], rest: list[str] | None = None, *, hold: bool = True) -> None:
        self.first = first
        self.rest = rest or []
        self.hold = hold
        self.release = threading.Event()
        self.first_sent = threading.Event()
        self.client_gone = threading.Event()
        self.keepalive = 0.05

    def __call__(self, request: Request) -> Response:
        return Response(self._body(), mimetype="text/event-stream")

    def _body(self) -> Iterator[bytes]:
        try:
            for text in self.first:
                yield event(chunk(text))
            self.first_sent.set()
            while self.hold and not self.release.wait(self.keepalive):
                yield b": keep-alive\n\n"
            for text in self.rest:
                yield event(chunk(text))
            yield event(chunk("", finish="stop"))
            yield b"data: [DONE]\n\n"
        except GeneratorExit:
            self.client_gone.set()
            raise
        finally:
            if not self.release.is_set() and self.hold:
                self.client_gone.set()
