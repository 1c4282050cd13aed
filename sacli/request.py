"""The chat-completions request: body and headers, holding only what the user set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sacli import __version__
from sacli.errors import AuthError, UsageError

USER_AGENT = f"sacli/{__version__}"


@dataclass(frozen=True)
class ChatParameters:
    """What the user asked for, before it becomes a request body."""

    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    params: tuple[str, ...] = ()
    session: str | None = None
    save: bool | None = None
    rag: bool | None = None
    rag_query: str | None = None
    user_memory: bool | None = None
    memory_strategy: str | None = None


def chat_body(chat: ChatParameters, *, model: str, messages: list[dict[str, Any]], stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    optional = {
        "temperature": chat.temperature,
        "max_tokens": chat.max_tokens,
        "top_p": chat.top_p,
        "sessionId": chat.session,
        "saveToMemory": chat.save,
        "useRAG": chat.rag,
        "ragQuery": chat.rag_query,
        "useUserMemory": chat.user_memory,
        "memoryStrategy": chat.memory_strategy,
    }
    body.update((key, value) for key, value in optional.items() if value is not None)
    body.update(parse_params(chat.params))
    return body


def parse_params(params: tuple[str, ...]) -> dict[str, Any]:
    """``-p KEY=VALUE``: VALUE is JSON when it parses as JSON, else a string."""
    fields: dict[str, Any] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param wants KEY=VALUE, got {item!r}")
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


def parse_headers(headers: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in headers:
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name or any(c in name for c in " \t\r\n") or "\n" in value or "\r" in value:
            raise UsageError(f"--header wants 'Name: value', got {item!r}")
        parsed[name] = value.strip()
    return parsed


def auth_headers(api_key: str | None, super_agent_key: str | None, *, require: str = "any") -> dict[str, str]:
    """Authorization for the OpenRouter key, superAgentKey for the Super Agent key.

    ``require`` is "any" (chat: one key is enough, any OpenAI-compatible server works) or
    "super_agent" (the Memory and RAG APIs identify the account by that key).
    """
    if require == "super_agent" and not super_agent_key:
        raise AuthError(
            "no Super Agent key configured",
            hint="set SUPER_AGENT_KEY, --super-agent-key or super_agent_key in the config file",
        )
    if not api_key and not super_agent_key:
        raise AuthError(
            "no API key configured",
            hint="set OPENROUTER_KEY (and SUPER_AGENT_KEY), or --api-key, or api_key in the config file",
        )
    headers = {}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if super_agent_key:
        headers["superAgentKey"] = super_agent_key
    return headers
