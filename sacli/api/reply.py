"""What is kept of one chat reply as it is read: its text and reasoning (within a bound), tool calls,
finish reason, usage, and the model and generation that answered."""

from __future__ import annotations

from typing import Any

from sacli.api.limits import JSON_BODY_LIMIT
from sacli.api.toolcalls import ToolCalls

KEPT_TEXT_LIMIT = JSON_BODY_LIMIT  # of a reply's text kept (for --schema, a conversation's history)
LOGGED_TEXT_LIMIT = 1024 * 1024  # of a reply's text kept only for the local log, which stores no more


class Reply:
    __slots__ = (
        "cut", "done", "finish_reason", "first_at", "generation_id", "keep_limit", "kept", "model", "reasoning", "text",
        "tool_calls", "usage",
    )  # fmt: skip

    def __init__(
        self,
        *,
        finish_reason: str | None = None,
        usage: dict[str, Any] | None = None,
        keep_limit: int = KEPT_TEXT_LIMIT,
    ) -> None:
        self.keep_limit = keep_limit
        self.finish_reason = finish_reason
        self.usage = usage
        self.done = False
        self.text = Pieces()
        self.kept = 0
        self.cut = False  # the text kept stops at keep_limit
        self.tool_calls = ToolCalls()  # gathered from the deltas' fragments
        self.reasoning = Pieces()  # kept when the reader is asked to
        self.model: str | None = None  # the model that answered, as the reply names it
        self.generation_id: str | None = None
        self.first_at: float | None = None  # time.monotonic() when the first piece of the answer came

    def keep_reasoning(self, text: str) -> None:
        self.kept += len(text)  # the text and the reasoning share one bound
        if self.kept > self.keep_limit:
            self.cut = True
        else:
            self.reasoning.add(text)

    def named(self, payload: dict[str, Any]) -> None:
        """The model and the generation ID of the reply, from the first chunk that names them."""
        model, generation = payload.get("model"), payload.get("id")
        self.model = model[:200] if isinstance(model, str) else None
        self.generation_id = generation[:200] if isinstance(generation, str) else None

    @property
    def complete(self) -> bool:
        return self.done or self.finish_reason is not None

    def keep(self, text: str) -> None:
        self.kept += len(text)
        if self.kept > self.keep_limit:
            self.cut = True
        else:
            self.text.add(text)


class Pieces(list[str]):
    """Pieces of text, every GATHERED of them joined into one: a million deltas keep no million objects."""

    GATHERED = 4096
    loose = 0

    def add(self, text: str) -> None:
        self.append(text)
        self.loose += 1
        if self.loose == self.GATHERED:
            self[-self.GATHERED :] = ["".join(self[-self.GATHERED :])]
            self.loose = 0
