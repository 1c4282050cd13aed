from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.explore import explore_home, scripted  # noqa: F401  (fixtures of the exploring tests)
from tests.support.helpers import OPENROUTER_KEY, SUPER_AGENT_KEY, clean_env
from tests.support.terminal import Terminal


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    # Threaded: HTTP/1.1 with chunked transfer encoding, the way real SSE servers answer.
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An isolated environment with no keys and no config."""
    return clean_env(tmp_path)


@pytest.fixture
def api_env(env: dict[str, str], httpserver: HTTPServer) -> Iterator[dict[str, str]]:
    """``env`` pointed at the local server, with both keys set."""
    env.update(
        SACLI_BASE_URL=httpserver.url_for("/api/v1"),
        OPENROUTER_KEY=OPENROUTER_KEY,
        SUPER_AGENT_KEY=SUPER_AGENT_KEY,
    )
    yield env
    httpserver.check_assertions()


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port that refuses connections: bound (so no one else takes it) but not listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """The pseudo-terminals a test starts (append them), each closed at the end whatever happened."""
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.close()
