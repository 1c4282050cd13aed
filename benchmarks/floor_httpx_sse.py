"""The floor: the plainest streaming client on the usual Python stack, a bare httpx + httpx-sse loop.

    python benchmarks/floor_httpx_sse.py BASE_URL

POSTs one streaming chat request to BASE_URL/chat/completions, parses the events with
httpx-sse and writes each delta's content to stdout, flushing after each one. It does nothing
else (no options, no retries, no error handling), so it is the cost below which a Python
client on httpx cannot go; benchmarks/run.py quotes sacli's figures as ratios to it.

It needs httpx and httpx-sse, which are NOT dependencies of sacli: install them into the same
environment with ``pip install httpx httpx-sse``.
"""

import json
import os
import sys

import httpx
from httpx_sse import connect_sse

base_url = sys.argv[1]
request = {"model": "bench/model", "messages": [{"role": "user", "content": "hi"}], "stream": True}
headers = {"Authorization": f"Bearer {os.environ.get('OPENROUTER_KEY', 'none')}"}

with (
    httpx.Client(timeout=httpx.Timeout(30.0)) as client,
    connect_sse(client, "POST", f"{base_url}/chat/completions", json=request, headers=headers) as events,
):
    events.response.raise_for_status()
    for sse in events.iter_sse():
        if sse.data == "[DONE]":
            break
        choices = json.loads(sse.data).get("choices")
        content = choices[0].get("delta", {}).get("content") if choices else None
        if content:
            sys.stdout.write(content)
            sys.stdout.flush()
sys.stdout.write("\n")
