"""Memory stays flat however long the stream: 1,000,000 deltas against 10,000.

The local log keeps at most LOGGED_TEXT_LIMIT of an answer: with it, memory is flat past that bound.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from tests.support.helpers import SACLI
from tests.support.peakmem import Measured

EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}\n\n'
FINISH = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
BLOCK = 10_000


class BulkStreamServer:
    """Answers each request with ``deltas`` events, sent in large blocks, then closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.deltas = 0
        self.piece = b"x"  # each delta's content
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                body = head.split(b"\r\n\r\n", 1)[1]
                while len(body) < length:
                    body += conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                block = (EVENT % self.piece) * BLOCK
                for _ in range(self.deltas // BLOCK):
                    conn.sendall(block)
                conn.sendall(FINISH)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def bulk_server() -> Iterator[BulkStreamServer]:
    server = BulkStreamServer()
    yield server
    server.close()


def peak_rss_kib(args: list[str], env: dict[str, str], deltas: int, piece: int = 1) -> int:
    """Run sacli, check it wrote one line per delta (--json) or ``piece`` bytes per delta, return its peak RSS."""
    proc = Measured([SACLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    written = newlines = 0
    while block := proc.stdout.read(1 << 20):
        written += len(block)
        newlines += block.count(b"\n")
    proc.wait()
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    status, peak_kib = proc.peak()
    assert status == 0, stderr
    assert (newlines if "--json" in args else written - piece * deltas) == ("--json" in args) * deltas + 1
    return peak_kib


@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["text", "json"])
def test_a_million_deltas_do_not_grow_memory(bulk_server: BulkStreamServer, env: dict[str, str], mode) -> None:
    env.update(OPENROUTER_KEY="k" * 20, SACLI_BASE_URL=f"http://127.0.0.1:{bulk_server.port}/api/v1")
    args = ["stream", "--no-log", *mode, "hi"]
    bulk_server.deltas = 10_000
    small = peak_rss_kib(args, env, 10_000)
    bulk_server.deltas = 1_000_000
    large = peak_rss_kib(args, env, 1_000_000)
    # sacli's own peak, not the test process's: measured through a small launcher (tests/support/peakmem.py).
    assert small < 64 * 1024, f"the 10,000-delta peak is {small / 1024:.1f} MiB: not sacli's own"
    assert large - small <= 5 * 1024, f"peak memory grew by {(large - small) / 1024:.1f} MiB"
    print(f"peak RSS {' '.join(mode) or 'text'}: {small / 1024:.1f} MiB -> {large / 1024:.1f} MiB")


def test_the_log_keeps_memory_flat_past_its_bound(bulk_server: BulkStreamServer, env: dict[str, str]) -> None:
    env.update(OPENROUTER_KEY="k" * 20, SACLI_BASE_URL=f"http://127.0.0.1:{bulk_server.port}/api/v1")
    bulk_server.deltas = 300_000
    bulk_server.piece = b"abcd"
    past_bound = peak_rss_kib(["stream", "hi"], env, 300_000, piece=4)  # 1,200,000 characters
    bulk_server.piece = b"abcd" * 16
    far_past = peak_rss_kib(["stream", "hi"], env, 300_000, piece=64)  # 19,200,000 characters
    assert far_past - past_bound <= 2 * 1024, f"peak memory grew by {(far_past - past_bound) / 1024:.1f} MiB"
    print(f"peak RSS with the log: {past_bound / 1024:.1f} MiB -> {far_past / 1024:.1f} MiB")
