"""The chat-completions request body, holding only what the user set."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sacli.errors import UsageError


class ChatParameters(NamedTuple):
    """What the user asked for, before it becomes a request body.

    A NamedTuple, not a frozen dataclass: building that class cost about 1 ms of every start.
    """

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

    @classmethod
    def from_options(cls, chat: Any) -> ChatParameters:
        """The parameters of the command line's chat options (any object with their attributes)."""
        strategy = chat.memory_strategy
        return cls(
            system=chat.system,
            temperature=chat.temperature,
            max_tokens=chat.max_tokens,
            top_p=chat.top_p,
            params=tuple(chat.param or ()),
            session=chat.session,
            save=chat.save,
            rag=chat.rag,
            rag_query=chat.rag_query,
            user_memory=chat.user_memory,
            memory_strategy=str(strategy) if strategy is not None else None,
        )


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
