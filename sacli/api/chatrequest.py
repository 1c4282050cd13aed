"""The chat-completions request body, holding only what the user set."""

from __future__ import annotations

from typing import Any, NamedTuple

from sacli.errors import UsageError
from sacli.readers.jsontext import JsonProblem, OutOfBounds, parse_json


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
    user_memory_tokens: int | None = None
    auto_memory: bool | None = None
    summary_threshold: int | None = None
    schema: dict[str, Any] | None = None  # response_format json_schema, strict
    reasoning_effort: str | None = None
    reasoning_tokens: int | None = None
    reasoning_summary: str | None = None
    reasoning_enabled: bool | None = None  # False: --no-reasoning
    web: bool = False  # the web plugin, with web_results and web_engine when given
    web_results: int | None = None
    web_engine: str | None = None
    service_tier: str | None = None
    provider: dict[str, Any] | None = None  # OpenRouter's provider routing preferences
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None
    attachments: tuple[dict[str, Any], ...] = ()  # content parts after the prompt's text
    usage_accounting: bool = False  # ask for the cost in the usage (OpenRouter's usage accounting)

    def given_messages(self) -> list[Any] | None:
        """The conversation given whole with ``-p messages=[...]``, if it was."""
        value = parse_params(self.params).get("messages")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
            raise UsageError("--param messages= wants a JSON array of message objects")
        return value

    def user_message(self, prompt: str) -> dict[str, Any]:
        """The user's message: the prompt, with the attachments as content parts after its text (an
        attachment alone is sent with no text part: providers refuse an empty one)."""
        if not self.attachments:
            return {"role": "user", "content": prompt}
        text = [{"type": "text", "text": prompt}] if prompt.strip() else []
        return {"role": "user", "content": [*text, *self.attachments]}


def chat_body(chat: ChatParameters, *, model: str, messages: list[dict[str, Any]], stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    optional = {
        "temperature": chat.temperature,
        "max_tokens": chat.max_tokens,
        "top_p": chat.top_p,
        "sessionId": chat.session,
        "session_id": chat.session,  # OpenRouter's: keeps the conversation on one provider, its cache warm
        "saveToMemory": chat.save,
        "useRAG": chat.rag,
        "ragQuery": chat.rag_query,
        "useUserMemory": chat.user_memory,
        "memoryStrategy": chat.memory_strategy,
        "userMemoryTokens": chat.user_memory_tokens,
        "autoMemory": chat.auto_memory,
        "summaryThreshold": chat.summary_threshold,
        "service_tier": chat.service_tier,
        "provider": chat.provider,
    }
    body.update((key, value) for key, value in optional.items() if value is not None)
    if chat.schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "sacli", "strict": True, "schema": chat.schema},
        }
    reasoning = {
        "effort": chat.reasoning_effort,
        "max_tokens": chat.reasoning_tokens,
        "summary": chat.reasoning_summary,
        "enabled": chat.reasoning_enabled,
    }
    if any(value is not None for value in reasoning.values()):
        body["reasoning"] = {key: value for key, value in reasoning.items() if value is not None}
    if chat.web:
        plugin = {"id": "web", "max_results": chat.web_results, "engine": chat.web_engine}
        body["plugins"] = [{key: value for key, value in plugin.items() if value is not None}]
    if chat.tools:
        body["tools"] = list(chat.tools)
    if chat.tool_choice is not None:
        body["tool_choice"] = chat.tool_choice
    if chat.usage_accounting:
        body["usage"] = {"include": True}
    extra = parse_params(chat.params)
    extra.pop("messages", None)  # the conversation itself: see ChatParameters.given_messages
    body.update(extra)
    return body


def parse_params(params: tuple[str, ...]) -> dict[str, Any]:
    """``-p KEY=VALUE``: VALUE is JSON when it parses as JSON, else a string."""
    fields: dict[str, Any] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param wants KEY=VALUE, got {item!r}")
        try:
            fields[key] = parse_json(value)
        except OutOfBounds as problem:
            raise UsageError(f"--param {key}: the JSON value is out of bounds: {problem}") from None
        except JsonProblem:
            fields[key] = value
    return fields
