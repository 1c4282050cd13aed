"""``--tools`` and ``--tool-choice``, and the tool calls of a reply as the one JSON line scripts read.

A tool definition is an OpenAI-style object, ``{"type": "function", "function": {"name": ...,
"parameters": {...}}}``; the file holds an array of them, checked before anything is sent. The
calls of a reply come out, after any text, as ``{"tool_calls": [{"id", "name", "arguments"}]}``
with the arguments parsed: arguments that are not JSON are an API error naming the call.
"""

from __future__ import annotations

import json
from typing import Any

from sacli.errors import ApiError, UsageError

CHOICES = ("auto", "none", "required")


def load_tools(path: str) -> tuple[dict[str, Any], ...]:
    try:
        with open(path, encoding="utf-8") as file:
            tools = json.load(file)
    except OSError as exc:
        raise UsageError(f"--tools: cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--tools: {path} is not valid JSON: {exc}") from None
    if not isinstance(tools, list) or not tools:
        raise UsageError(f"--tools: {path} must hold a JSON array of tool definitions")
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            raise UsageError(f'--tools: tool {index} in {path} is not {{"type": "function", "function": {{...}}}}')
        if not isinstance(function.get("name"), str) or not function["name"]:
            raise UsageError(f"--tools: tool {index} in {path} has no function name")
    return tuple(tools)


def tool_choice(value: str | None, tools: tuple[dict[str, Any], ...]) -> str | dict[str, Any] | None:
    """``auto``, ``none`` and ``required`` as they are; a tool's name as the choice of that function."""
    if value is None or value in CHOICES:
        return value
    names = [tool["function"]["name"] for tool in tools]
    if value not in names:
        known = ", ".join(names) if names else "none: give --tools"
        raise UsageError(f"--tool-choice {value!r} is not auto, none, required or a tool's name (tools: {known})")
    return {"type": "function", "function": {"name": value}}


def tool_calls_document(calls: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The reply's tool calls, in index order, with their arguments parsed."""
    found = []
    for index in sorted(calls):
        call = calls[index]
        text = "".join(call["arguments"])
        try:
            arguments = json.loads(text) if text.strip() else {}
        except ValueError:
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise ApiError(
                f"the arguments of tool call {call['name'] or index} ({call['id']}) are not valid JSON: {shown}"
            ) from None
        found.append({"id": call["id"], "name": call["name"], "arguments": arguments})
    return {"tool_calls": found}
