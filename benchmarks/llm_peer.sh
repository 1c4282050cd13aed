#!/bin/sh
# A peer: the llm command-line tool streaming from the benchmark server.
#     sh benchmarks/llm_peer.sh BASE_URL [LLM]
# llm reaches the server through an OpenAI-compatible model entry written into a scratch
# LLM_USER_PATH, which is removed afterwards. LLM is the llm executable (default: llm on PATH);
# benchmarks/setup_peers.py installs it in a virtual environment of its own.
home=$(mktemp -d) || exit 1
printf -- '- model_id: bench\n  model_name: bench/model\n  api_base: "%s"\n' "$1" > "$home/extra-openai-models.yaml"
LLM_USER_PATH=$home OPENAI_API_KEY=bench "${2:-llm}" -m bench --no-log hi
status=$?
rm -rf "$home"
exit $status
