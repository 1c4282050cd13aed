"""What is kept of one chat reply as it is read: its text and reasoning (within a bound), tool calls,
finish reason, usage, and the model and generation that answered."""

from __future__ import annotations

from typing import Any

from sacli.api.citations import Citations
from sacli.api.limits import JSON_BODY_LIMIT
from sacli.api.replyparts import REFUSAL_LIMIT
from sacli.api.toolcalls import ToolCalls

KEPT_TEXT_LIMIT = JSON_BODY_LIMIT  # of a reply's text kept (for --schema, a conversation's history)
LOGGED_TEXT_LIMIT = 1024 * 1024  # of a reply's text kept only for the local log, which stores no more


class Reply:
    __slots__ = (
        "answered", "cache_status", "citations", "cost_estimated", "cut", "done", "finish_reason", "first_at",
        "gather_reasoning_at", "gather_text_at", "generation_id", "keep_limit", "kept", "model", "native_finish_reason",
        "reasoning", "refusal", "service_tier", "text", "tool_calls", "usage",
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
        self.cost_estimated = False  # usage's cost was worked out by sacli, not reported
        self.cache_status: str | None = None  # the server's X-OpenRouter-Cache-Status, or "local" (--cache)
        self.done = False
        self.text: list[str] = []  # in pieces, every GATHERED of them joined: a million deltas keep no million objects
        self.gather_text_at = GATHERED
        self.kept = 0
        self.cut = False  # the text kept stops at keep_limit
        self.tool_calls = ToolCalls()  # gathered from the deltas' fragments
        self.citations = Citations()  # the sources it cites (web search annotations)
        self.reasoning: list[str] = []  # kept when the reader is asked to, in pieces as the text is
        self.gather_reasoning_at = GATHERED
        self.model: str | None = None  # the model that answered, as the reply names it
        self.generation_id: str | None = None
        self.first_at: float | None = None  # time.monotonic() when the first piece of the answer came
        self.answered = False  # some text of the answer came
        self.refusal = ""  # why the model declined, when it says so (delta.refusal), within REFUSAL_LIMIT
        self.native_finish_reason: str | None = None  # the provider's own finish reason
        self.service_tier: str | None = None  # the tier that served the reply

    def refused(self, text: str) -> None:
        room = REFUSAL_LIMIT - len(self.refusal)
        if room > 0:
            self.refusal += text[:room]

    def finished(self, choice: dict[str, Any], payload: dict[str, Any]) -> None:
        """What the chunk that ends the reply says of how it ended besides its finish reason."""
        native, tier = choice.get("native_finish_reason"), payload.get("service_tier")
        if isinstance(native, str):
            self.native_finish_reason = native[:100]
        if isinstance(tier, str):
            self.service_tier = tier[:40]

    def keep_reasoning(self, text: str) -> None:
        self.kept += len(text)  # the text and the reasoning share one bound
        if self.kept > self.keep_limit:
            self.cut = True
            return
        pieces = self.reasoning
        pieces.append(text)
        if len(pieces) == self.gather_reasoning_at:
            self.gather_reasoning_at = _gather(pieces)

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
            return
        pieces = self.text
        pieces.append(text)
        if len(pieces) == self.gather_text_at:
            self.gather_text_at = _gather(pieces)


GATHERED = 4096


def _gather(pieces: list[str]) -> int:
    """Join the last GATHERED pieces into one; the length at which to do it again."""
    pieces[-GATHERED:] = ["".join(pieces[-GATHERED:])]
    return len(pieces) + GATHERED
