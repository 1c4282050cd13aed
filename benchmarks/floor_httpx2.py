"""The floor: the plainest streaming client on sacli's own stack, a bare loop over httpx2's client.sse().

    python benchmarks/floor_httpx2.py BASE_URL [--without-certificates] [--with-typer]

POSTs one streaming chat request to BASE_URL/chat/completions, reads the events with httpx2's
built-in SSE decoder and writes each delta's content to stdout, flushing after each one. It
does nothing else (no options, no retries, no error handling), so it is the cost below which a
Python client on httpx2 cannot go; benchmarks/run.py quotes sacli's figures as ratios to it.
It needs only httpx2 (a dependency of sacli); measure it from a virtual environment that holds
nothing else (benchmarks/setup_peers.py makes one).

Two variants take the start-up apart (docs/performance.md): ``--without-certificates`` gives
httpx2 a verifying TLS context with no certificates loaded, as sacli does for an http:// base
URL, and ``--with-typer`` imports typer first (run it where typer is installed).
"""

import json
import ssl
import sys

if "--with-typer" in sys.argv:
    import typer  # noqa: F401

import httpx2

base_url = sys.argv[1]
verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if "--without-certificates" in sys.argv else True
request = {"model": "bench/model", "messages": [{"role": "user", "content": "hi"}], "stream": True}

with (
    httpx2.Client(timeout=None, verify=verify) as client,
    client.sse(f"{base_url}/chat/completions", method="POST", json=request) as events,
):
    for event in events:
        if event.data == "[DONE]":
            break
        choices = json.loads(event.data).get("choices")
        content = choices[0].get("delta", {}).get("content") if choices else None
        if content:
            sys.stdout.write(content)
            sys.stdout.flush()
sys.stdout.write("\n")
