"""``--tools`` and ``--tool-choice``: the tools the model may call, checked before anything is sent.

A tool definition is an OpenAI-style object, ``{"type": "function", "function": {"name": ...,
"parameters": {...}}}``; the file (at most TOOLS_FILE_LIMIT) holds an array of them. The calls of
a reply come out, after any text, as one JSON line (sacli.api.toolcalls).
"""

from __future__ import annotations

from typing import Any

from sacli.errors import UsageError
from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.readers.localfiles import TooLarge, read_bounded

CHOICES = ("auto", "none", "required")
TOOLS_FILE_LIMIT = 4 * 1024 * 1024


def load_tools(path: str) -> tuple[dict[str, Any], ...]:
    try:
        tools = parse_json(read_bounded(path, TOOLS_FILE_LIMIT))
    except OSError as exc:
        raise UsageError(f"--tools: cannot read {path}: {exc.strerror or exc}") from None
    except TooLarge as exc:
        raise UsageError(f"--tools: cannot read {path}: {exc}") from None
    except JsonProblem as problem:
        raise UsageError(f"--tools: {path} is not valid JSON: {problem}") from None
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
