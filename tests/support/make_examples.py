"""Make the recordings shipped in sacli/examples/: ``python -m tests.support.make_examples``.

Each is a real run of the installed sacli with --record against a local server that answers the
way the service does (an OpenRouter-style stream, paced like a model writing; a 429 with
Retry-After and then a stream; a stream whose connection ends mid-reply), so that replaying one
shows exactly what a live run shows. tests/e2e/examples/test_examples.py replays them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, clean_env, event
from tests.support.helpers import chunk as test_chunk
from tests.support.rawserver import Handler, Peer, RawServer, chunked

EXAMPLES = Path(__file__).resolve().parents[2] / "sacli" / "examples"
ANSWER = (
    "Server-Sent Events (SSE) is a simple HTTP protocol in which the server keeps one response open "
    "and pushes text events down it as they happen, each a few `data:` lines ended by a blank line, "
    "so a client can show a model's answer token by token as it is written."
)
USAGE = {"prompt_tokens": 14, "completion_tokens": 58, "total_tokens": 72}
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


def chunk(content: str | None = None, **fields: Any) -> dict[str, Any]:
    """A chunk as OpenRouter's router sends it: the model it picked, and a generation ID."""
    return {**test_chunk(content, **fields), "id": "gen-1764633600-sacliexample", "model": "anthropic/claude-sonnet-4"}


def words(text: str) -> list[str]:
    pieces = text.split(" ")
    return [piece + " " for piece in pieces[:-1]] + [pieces[-1]]


def stream(peer: Peer, text: str, *, cut_after: int | None = None, pace: float = 0.045) -> None:
    peer.send(HEAD)
    peer.send(chunked(b": OPENROUTER PROCESSING\n\n"))
    time.sleep(0.35)  # the model's time to the first token
    peer.send(chunked(event(chunk(role="assistant", content=""))))
    for index, piece in enumerate(words(text)):
        if cut_after is not None and index == cut_after:
            peer.send(b'3f\r\ndata: {"id":')  # half a chunk, then the connection is gone
            return
        peer.send(chunked(event(chunk(piece))))
        time.sleep(pace)
    peer.send(chunked(event(chunk("", finish="stop")), event({**chunk(), "choices": [], "usage": USAGE})))
    peer.send(chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")


def hello(peer: Peer) -> None:
    peer.read_request()
    stream(peer, ANSWER)
    peer.wait_closed()


def rate_limited(peer: Peer) -> None:
    """A 429 with Retry-After, then the stream: on this connection if sacli keeps it, else on the next."""
    peer.read_request()
    body = json.dumps({"error": {"message": "Rate limit exceeded: free-models-per-min", "code": 429}}).encode()
    peer.send(
        b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    if peer.read_request() is not None:
        stream(peer, ANSWER)
        peer.wait_closed()


def cut_short(peer: Peer) -> None:
    peer.read_request()
    stream(peer, ANSWER, cut_after=12)


def record(name: str, prompt: str, *handlers: Handler) -> None:
    target = EXAMPLES / f"{name}.jsonl"
    with tempfile.TemporaryDirectory() as scratch, RawServer(*handlers) as server:
        env = clean_env(Path(scratch))
        env.update(SACLI_BASE_URL=server.url("/api/v1"), OPENROUTER_KEY=OPENROUTER_KEY, SUPER_AGENT_KEY=SUPER_AGENT_KEY)
        tape = Path(scratch) / "run.jsonl"
        result = subprocess.run(
            [SACLI, "stream", "--record", str(tape), prompt], env=env, capture_output=True, timeout=60, check=False
        )
        sys.stderr.write(f"{name}: exit {result.returncode}\n{result.stderr.decode()}")
        target.write_bytes(tape.read_bytes())


def main() -> None:
    EXAMPLES.mkdir(exist_ok=True)
    prompt = "Explain SSE in one sentence"
    record("hello", prompt, hello)
    record("rate-limited", prompt, rate_limited, hello)
    record("cut-short", prompt, cut_short)


if __name__ == "__main__":
    main()
