"""A peer: the OpenAI Python SDK streaming a chat completion, as the API reference's Python example does.

    python benchmarks/openai_sdk.py BASE_URL

Writes each delta's content to stdout and flushes it. It needs ``pip install openai`` (not a
dependency of sacli); benchmarks/setup_peers.py installs it in a virtual environment of its own.
"""

import sys

from openai import OpenAI

client = OpenAI(base_url=sys.argv[1], api_key="bench", default_headers={"superAgentKey": "bench"})
stream = client.chat.completions.create(model="bench/model", messages=[{"role": "user", "content": "hi"}], stream=True)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        sys.stdout.write(chunk.choices[0].delta.content)
        sys.stdout.flush()
sys.stdout.write("\n")
