"""A reply's tool calls, gathered from the fragments the server streams, within bounds.

Each fragment names its call by ``index`` (a whole number; a fragment without a usable one
takes its place in the list), and adds to the call's id, name and arguments. At most MAX_CALLS
calls, a name of at most NAME_LIMIT characters, and JSON_BODY_LIMIT of arguments in all: past
any of them the reply is an API error, so memory stays bounded whatever the server sends.
The arguments of each call are parsed once the reply is complete (``document``).
"""

from __future__ import annotations

from typing import Any

from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.errors import ApiError
from sacli.readers.jsontext import JsonProblem, not_json, one_line, parse_json

MAX_CALLS = 128
SERVER_TOOL = "openrouter:"  # the type of a tool the server runs itself (web search, datetime, ...)
NAME_LIMIT = 256


class ToolCalls:
    __slots__ = ("calls", "size")

    def __init__(self) -> None:
        # (0, index), or (1, position) for a fragment without a whole-number index -> {"id", "name", "arguments"}
        self.calls: dict[tuple[int, int], dict[str, Any]] = {}
        self.size = 0  # of all the arguments

    def __bool__(self) -> bool:
        """Whether the reply asks the user's side to run a tool (the server's own tools aside)."""
        return any(not self._server(call) for call in self.calls.values())

    def to_run(self) -> list[dict[str, Any]]:
        """The calls the user's side is to run, in index order (a server tool's, which ran, are not)."""
        return [self.calls[key] for key in sorted(self.calls) if not self._server(self.calls[key])]

    def server_tools(self) -> list[str]:
        """The names of the server's own tools the reply used."""
        return [str(call.get("server")) for call in self.calls.values() if self._server(call)]

    @staticmethod
    def _server(call: dict[str, Any]) -> bool:
        return "server" in call or call["name"].startswith(SERVER_TOOL)

    def add(self, fragments: list[Any]) -> None:
        """The fragments of one delta (or a whole message's calls)."""
        for position, fragment in enumerate(fragments):
            if not isinstance(fragment, dict):
                continue
            index = fragment.get("index")
            key = (1, position) if isinstance(index, bool) or not isinstance(index, int) else (0, index)
            call = self.calls.get(key)
            if call is None:
                if len(self.calls) >= MAX_CALLS:
                    raise ApiError(f"the reply asks for more than {MAX_CALLS} tool calls")
                call = self.calls[key] = {"id": None, "name": "", "arguments": []}
            if isinstance(fragment.get("id"), str):
                call["id"] = fragment["id"][:NAME_LIMIT]
            kind = fragment.get("type")
            if isinstance(kind, str) and kind.startswith(SERVER_TOOL):
                call["server"] = kind[:NAME_LIMIT]
            function = fragment.get("function")
            if isinstance(function, dict):
                self._add_function(call, function)

    def _add_function(self, call: dict[str, Any], function: dict[str, Any]) -> None:
        if isinstance(function.get("name"), str):
            call["name"] += function["name"]
            if len(call["name"]) > NAME_LIMIT:
                raise ApiError(f"a tool call's name is longer than {NAME_LIMIT} characters")
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a whole message may carry them parsed already
            arguments = one_line(arguments)
        if isinstance(arguments, str):
            call["arguments"].append(arguments)
            self.size += len(arguments)
            if self.size > JSON_BODY_LIMIT:
                raise ApiError(f"the arguments of the tool calls are larger than {mib(JSON_BODY_LIMIT)}")

    def document(self) -> dict[str, Any]:
        """``{"tool_calls": [{"id", "name", "arguments"}]}`` in index order, the arguments parsed."""
        found = []
        for position, call in enumerate(self.to_run()):
            text = "".join(call["arguments"])
            try:
                arguments = parse_json(text) if text.strip() else {}
            except JsonProblem as problem:
                shown = text if len(text) <= 80 else text[:77] + "..."
                which = f"{call['name'] or position} ({call['id']})"
                raise ApiError(f"the arguments of tool call {which} are {not_json(problem)}: {shown}") from None
            found.append({"id": call["id"], "name": call["name"], "arguments": arguments})
        return {"tool_calls": found}
