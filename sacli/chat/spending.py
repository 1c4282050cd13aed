"""A run's spending: ``--budget`` checked against the local log before each request, ``--max-cost``
watched on each reply (sacli.chat.costmeter), and the cost of a reply that did not report it.

The log is the shared truth on one machine: every process with the same scope reads the same
sum, so concurrent runs see each other's spend once it is logged. Across machines only the
key's own limit, on the server, is shared.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sacli.api.client import ApiClient
from sacli.api.reply import Reply
from sacli.chat.costmeter import CostMeter
from sacli.chat.prices import Prices, estimated_tokens, model_prices, prompt_characters
from sacli.errors import SacliError, SpendingLimit, UsageError
from sacli.term.money import dollars


@dataclass(frozen=True)
class Limits:
    max_cost: float | None = None
    budget: float | None = None
    scope: str | None = None  # the tag whose exchanges the budget counts; None: every logged exchange
    since: str | None = None  # UTC ISO 8601: the budget counts from then
    log_path: Path | None = None  # where the budget's spend is read; None when the log is off

    @property
    def any(self) -> bool:
        return self.max_cost is not None or self.budget is not None


class Spending:
    def __init__(self, api: ApiClient, limits: Limits) -> None:
        """With a limit, a reply that does not report its cost has it looked up, or estimated."""
        if limits.budget is not None and limits.log_path is None:
            raise UsageError("--budget counts the spend in the local log: it cannot go with --no-log")
        self.api = api
        self.limits = limits
        self.cost_wanted = limits.any
        self.spent = 0.0  # this run's replies so far, reported or estimated
        self.unlogged = 0.0  # what of that the log does not hold yet (a batch writes it in groups)
        self.reached: SpendingLimit | None = None  # once a budget is reached, it stays reached
        self.lock = threading.Lock()  # a batch's workers share one Spending
        self.counting = threading.Lock()  # held while the budget's spend is read, and while rows are written
        self._prices: dict[str, Prices | None] = {}
        self._costs: Any = None

    def before(self, body: dict[str, Any], *, max_cost: float | None = None) -> CostMeter | None:
        """Check the budget and the request's worst case; the meter for its reply when a cost limit is set.
        ``max_cost``: this request's own limit (a batch item's), else the run's less what it has spent."""
        self.check_budget()
        limit, what = (max_cost, "--max-cost-item") if max_cost is not None else (self.limits.max_cost, "--max-cost")
        if limit is None:
            return None
        if max_cost is None:
            self.check_run()  # a conversation's earlier turns may have spent it all
        prices = self.prices(str(body.get("model")))
        if prices is None:
            raise UsageError(
                f"{what} needs the prices of {body.get('model')}, and the models list has none for it",
                hint="choose a model with prices (sacli models); a router's price is that of the model it picks",
            )
        allowed = limit if max_cost is not None else limit - self.spent
        meter = CostMeter(allowed, prices, body, what=what, limit=limit)
        meter.check_before(body.get("max_tokens") or body.get("max_completion_tokens"))
        return meter

    def check_budget(self) -> None:
        limits = self.limits
        if self.reached is not None:
            raise self.reached
        if limits.budget is None or limits.log_path is None:
            return
        with self.counting:  # no row of this run between the log and ``unlogged``: counted once, not twice
            logged = self.logged_spend()
            with self.lock:
                spent = logged + self.unlogged
        if spent >= limits.budget:
            scope = f"the exchanges tagged {limits.scope!r}" if limits.scope else "the logged exchanges"
            since = f" since {limits.since}" if limits.since else ""
            self.reached = SpendingLimit(
                f"--budget {dollars(limits.budget)} reached: {scope}{since} have cost {dollars(spent)}",
                hint="nothing was sent",
            )
            raise self.reached

    def check_run(self) -> None:
        """A batch's --max-cost is the whole run's: no item starts once the run has spent it."""
        limit = self.limits.max_cost
        if self.reached is not None:
            raise self.reached
        if limit is not None and self.spent >= limit:
            self.reached = SpendingLimit(
                f"--max-cost {dollars(limit)} reached: this run has cost {dollars(self.spent)}",
                hint="nothing was sent",
            )
            raise self.reached

    @contextlib.contextmanager
    def logging(self, cost: float) -> Iterator[None]:
        """Around writing rows of this run's replies that cost ``cost`` to the log: once they are
        written it holds them, and the budget's count, waiting meanwhile, sees them there alone."""
        with self.counting:
            yield
            with self.lock:
                self.unlogged = max(0.0, self.unlogged - cost)

    def logged_spend(self) -> float:
        from sacli.store.logdb import LogUnavailable
        from sacli.store.logquery import spent

        assert self.limits.log_path is not None
        try:
            return spent(self.limits.log_path, tag=self.limits.scope, since=self.limits.since)
        except LogUnavailable as error:
            raise SpendingLimit(f"--budget cannot be checked: {error}", hint="nothing was sent") from None

    def prices(self, model: str, *, quiet: bool = False) -> Prices | None:
        """The model's prices (None: unknown); a models list that cannot be had is an error unless ``quiet``."""
        if model not in self._prices:
            try:
                self._prices[model] = model_prices(self.api, model)
            except SacliError:
                if not quiet:
                    raise
                self._prices[model] = None
        return self._prices[model]

    def settle(self, reply: Reply, body: dict[str, Any], meter: CostMeter | None = None) -> None:
        """Give ``reply`` its cost when it reported none and a cost is wanted: the generation endpoint's,
        else tokens at the model's prices, marked estimated. Counts it into the run's spend."""
        usage = reply.usage if isinstance(reply.usage, dict) else None
        cost = usage.get("cost") if usage else None
        if not _number(cost) and self.cost_wanted:
            cost = self._looked_up(reply) if reply.complete else None
            if cost is None:
                cost = self._estimated(reply, body, meter)
                reply.cost_estimated = cost is not None
            if cost is not None:
                reply.usage = {**(usage or {}), "cost": cost}
        if _number(cost):
            with self.lock:
                self.spent += cost
                if self.limits.log_path is not None:
                    self.unlogged += cost

    def _looked_up(self, reply: Reply) -> float | None:
        if not reply.generation_id:
            return None
        if self._costs is None:
            from sacli.api.generation import GenerationCosts

            self._costs = GenerationCosts(self.api)
        return self._costs.cost(reply.generation_id)

    def _estimated(self, reply: Reply, body: dict[str, Any], meter: CostMeter | None) -> float | None:
        if meter is not None and not reply.complete:
            return meter.spent()
        prices = self.prices(str(body.get("model")), quiet=True)
        if prices is None:
            return None
        usage = reply.usage or {}
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        if not _number(prompt):
            prompt = estimated_tokens(prompt_characters(body))
        if not _number(completion):
            text = sum(map(len, reply.text)) + sum(map(len, reply.reasoning))
            completion = meter.characters if meter is not None else text
            completion = estimated_tokens(completion)
        return round(prices.cost(prompt, completion), 12)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
