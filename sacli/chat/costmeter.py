"""``--max-cost`` on one reply: its worst case checked before it is sent, its running cost watched
while it streams, the stream stopped the moment that cost passes what may still be spent.

The running cost is the prompt's estimated tokens and the reply's (its text, reasoning and tool-call
arguments, counted as they arrive) at the model's prices: sacli.chat.prices says how tokens are
estimated. What was written before the stop stays written.
"""

from __future__ import annotations

import math
from typing import Any

from sacli.chat.prices import CHARS_PER_TOKEN, Prices, estimated_tokens, prompt_characters
from sacli.errors import SpendingLimit
from sacli.term.money import dollars
from sacli.term.words import counted


class CostMeter:
    def __init__(
        self,
        allowed: float,
        prices: Prices,
        body: dict[str, Any],
        *,
        what: str = "--max-cost",
        limit: float | None = None,
    ) -> None:
        """``allowed``: the dollars this reply may still cost; ``what``: the limit, as messages name it;
        ``limit``: its amount, when the run's earlier replies have spent some of it (``allowed`` is the rest)."""
        self.allowed = allowed
        self.limit = allowed if limit is None else limit
        self.prices = prices
        self.what = what
        self.model = str(body.get("model"))
        self.prompt_tokens = estimated_tokens(prompt_characters(body))
        self.characters = 0
        room = allowed - prices.cost(self.prompt_tokens, 0)
        # The reply's characters at which its cost passes ``allowed``: one comparison per delta.
        self.most = math.inf if prices.completion == 0 else max(room, 0.0) / prices.completion * CHARS_PER_TOKEN

    def check_before(self, max_tokens: Any) -> None:
        """Refuse a request whose prompt alone, or (with ``max_tokens``) whose longest reply, costs more
        than is allowed."""
        prompt_cost = self.prices.cost(self.prompt_tokens, 0)
        if prompt_cost > self.allowed:
            raise SpendingLimit(
                f"{self.what} {dollars(self.limit)} would be passed before the reply starts: the prompt "
                f"alone costs about {dollars(prompt_cost)} ({counted(self.prompt_tokens, 'token')} at "
                f"{self.model}'s prices){self._before()}",
                hint="nothing was sent",
            )
        if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0:
            worst = self.prices.cost(self.prompt_tokens, max_tokens)
            if worst > self.allowed:
                raise SpendingLimit(
                    f"{self.what} {dollars(self.limit)} cannot hold this request's worst case: about "
                    f"{dollars(worst)} ({counted(self.prompt_tokens, 'prompt token')} and {max_tokens} max_tokens at "
                    f"{self.model}'s prices){self._before()}",
                    hint="nothing was sent; a lower --max-tokens may fit",
                )

    def __call__(self, characters: int) -> None:
        """Count ``characters`` more of the reply; past the limit, stop it."""
        self.characters += characters
        if self.characters > self.most:
            raise SpendingLimit(
                f"{self.what} {dollars(self.limit)} reached: the reply was stopped at about "
                f"{dollars(self.spent())} (estimated: {self.prompt_tokens} prompt and "
                f"{counted(estimated_tokens(self.characters), 'completion token')} at {self.model}'s prices)"
                f"{self._before()}"
            )

    def _before(self) -> str:
        earlier = self.limit - self.allowed
        return f", after {dollars(round(earlier, 12))} spent by this run's earlier replies" if earlier > 0 else ""

    def spent(self) -> float:
        """The reply's cost so far, estimated."""
        return round(self.prices.cost(self.prompt_tokens, estimated_tokens(self.characters)), 12)
