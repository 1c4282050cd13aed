"""Shared test helpers: SSE bodies as real servers send them, and running the installed sacli."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SACLI = str(Path(sys.executable).with_name("sacli"))
OPENROUTER_KEY = "sk-or-v1-test-0123456789abcdef"
SUPER_AGENT_KEY = "sk_live_test_fedcba9876543210"
# The hint of a 401 or 403 when both keys come from their environment variables.
AUTH_HINT = "check the OpenRouter key from OPENROUTER_KEY and the Super Agent key from SUPER_AGENT_KEY"


def chunk(content: str | None = None, *, finish: str | None = None, role: str | None = None, **extra: Any) -> dict:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    body = {
        "id": "gen-test",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "test/model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    body.update(extra)
    return body


def event(payload: dict | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}


def sse(*texts: str, finish: str = "stop", usage: dict | None = USAGE, done: bool = True) -> bytes:
    """An OpenRouter-style stream: a comment, role chunk, one chunk per text, finish, usage, [DONE]."""
    parts = [b": OPENROUTER PROCESSING\n\n", event(chunk(role="assistant", content=""))]
    parts += [event(chunk(text)) for text in texts]
    parts.append(event(chunk("", finish=finish)))
    if usage is not None:
        parts.append(event({**chunk(), "choices": [], "usage": usage}))
    if done:
        parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def streamed(*deltas: dict[str, Any], finish: str = "stop", usage: dict | None = USAGE) -> bytes:
    """A stream of these deltas (reasoning, tool calls, annotations, refusals...), then the finish
    reason, the usage and [DONE]."""
    parts = [event({**chunk(), "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}) for delta in deltas]
    parts.append(event(chunk("", finish=finish)))
    if usage is not None:
        parts.append(event({**chunk(), "choices": [], "usage": usage}))
    return b"".join(parts) + b"data: [DONE]\n\n"


def answer(httpserver: Any, body: bytes) -> None:
    """Answer every chat request of ``httpserver`` (a pytest-httpserver) with the event stream ``body``."""
    httpserver.expect_request("/api/v1/chat/completions").respond_with_data(body, content_type="text/event-stream")


def completion(content: str, *, finish: str = "stop", usage: dict | None = USAGE) -> dict:
    body: dict[str, Any] = {
        "id": "gen-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "test/model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def run(
    *args: str,
    env: dict[str, str],
    input: bytes | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed sacli with real pipes; stdin is /dev/null unless ``input`` is given."""
    return subprocess.run(
        [SACLI, *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=timeout,
        cwd=cwd,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The parent's environment without sacli's variables, with config, state and cache in tmp_path."""
    drop = (
        "SACLI_",
        "OPENROUTER_",
        "SUPER_AGENT_",
        "NO_COLOR",
        "FORCE_COLOR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        NO_PROXY="*",
        TERM="xterm",
        COLUMNS="100",
    )
    return env


def read_terminal_until_closed(fd: int, timeout: float = 60) -> bytes:
    """Everything written to a pty's master side until its last writer closes it; closes ``fd``."""
    data = b""
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, "no output from the terminal within the timeout"
            try:
                piece = os.read(fd, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not piece:
                break
            data += piece
    finally:
        os.close(fd)
    return data


def needs_tool(name: str) -> pytest.MarkDecorator:
    """Skip without ``name`` on a developer's machine; under CI, where .ci/run installs it, run (and fail)."""
    missing = shutil.which(name) is None and not os.environ.get("CI")
    return pytest.mark.skipif(missing, reason=f"{name} is not installed (.ci/run installs it)")


def require_tool(name: str) -> str:
    """``name``'s path, for use inside a test or fixture: a skip outside CI when it is missing, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run should have installed it")
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return path
