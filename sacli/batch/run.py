"""Running a batch: many prompts over one connection pool, each answer one JSON line on stdout.

Three kinds of thread, joined by queues:

- a reader takes the input line by line and makes each line an item (skipping the ids
  --resume found done and the items of other --shard's); it may run only ``window`` items
  ahead of what is written, which bounds the memory whatever the input's length;
- ``parallel`` workers each send one item's request at a time, with the transport's retries
  and the batch's shared pause (sacli.api.waits.SharedPause), and hand back the item's record;
- the main thread writes each record whole, with one write and with SIGINT and SIGTERM held
  off meanwhile, in the order they finish or (``ordered``) in input order. Ctrl-C, SIGTERM
  and --timeout reach only the main thread: it stops the reader, closes the connections
  under the running requests and writes nothing more.
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sacli.api.chatrequest import ChatParameters
from sacli.api.client import ApiClient
from sacli.api.completions import ReplyReader, ask, chat_headers
from sacli.api.reply import Reply
from sacli.api.waits import SharedPause
from sacli.batch.items import Item, id_key, line_id, make_item, numbered_lines
from sacli.chat.exchangelog import Attempt, ExchangeLog
from sacli.chat.expiry import warn_if_expiring
from sacli.chat.heldreply import HeldReply
from sacli.chat.outcome import outcome
from sacli.chat.replycache import ReplyCache, replayed
from sacli.chat.replynotes import refused
from sacli.chat.spending import Spending
from sacli.errors import SacliError, SpendingLimit, UsageError
from sacli.readers.localfiles import NoLineEnd
from sacli.term.stdout import Output

INPUT_END = object()
LOG_EVERY = (64, 0.5)  # the log is written once this many records, or this many seconds, have gone by


def record_of(
    item_id: Any,
    reply: Reply | None,
    error: SacliError | None,
    *,
    started: float | None = None,
    retries: int = 0,
    partial: Reply | None = None,
) -> dict[str, Any]:
    """An item's record (sacli schema batch): ``reply`` a whole one (its text is kept also when it did not
    match the item's schema), ``partial`` what came of one that failed; ``started``: when it was sent."""
    status, code, _ = outcome(error)
    seen = reply if reply is not None else partial
    usage = seen.usage if seen is not None and isinstance(seen.usage, dict) else None
    cost = usage.get("cost") if usage else None
    record: dict[str, Any] = {
        "id": item_id,
        "text": "".join(reply.text) if reply is not None else None,
        "finish_reason": seen.finish_reason if seen is not None else None,
        "usage": usage,
        "error": None if error is None else {"message": error.message, "exit_code": code},
        "status": status,
        "exit_code": code,
        "model": seen.model if seen is not None else None,
        "cost": cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
        "cost_estimated": bool(seen is not None and seen.cost_estimated),
        "cached": seen.cache_status if seen is not None else None,
        "duration_ms": None if started is None else round((time.monotonic() - started) * 1000, 1),
        "first_token_ms": (
            round((seen.first_at - started) * 1000, 1) if seen is not None and seen.first_at and started else None
        ),
        "retries": retries,
    }
    if seen is not None and seen.citations:
        record["citations"] = seen.citations.items
    if seen is not None and seen.refusal:
        record["refusal"] = seen.refusal
    if reply is not None and reply.tool_calls and error is None:
        record["tool_calls"] = reply.tool_calls.document()["tool_calls"]
    return record


class BatchRun:
    def __init__(
        self,
        api: ApiClient,
        params: ChatParameters,
        *,
        parallel: int,
        ordered: bool,
        done: set[str],
        shard: tuple[int, int] | None,
        on_progress: Callable[[dict[str, int]], None],
        log: ExchangeLog,
        spending: Spending | None = None,
        max_cost_item: float | None = None,
        cache: ReplyCache | None = None,
    ) -> None:
        """``log`` gets each item's exchange, written in groups as the records are (LOG_EVERY).
        ``spending``: no item starts once a --budget or the run's --max-cost is reached (each gets a
        record saying so, and ``stopped_by`` holds the limit); ``max_cost_item`` caps each reply;
        ``cache``: --cache, which answers an item the log has seen answered."""
        self.cache = cache
        # Under a budget, other processes of its scope read the spend from the log: each row goes at once.
        self.shares_spend = spending is not None and spending.limits.budget is not None
        self.log = log
        self.spending = spending
        self.max_cost_item = max_cost_item
        self.stopped_by: SpendingLimit | None = None
        self.logged_at = time.monotonic()
        self.api = api
        self.params = params
        self.parallel = parallel
        self.ordered = ordered
        self.done = done
        self.shard = shard
        self.on_progress = on_progress
        self.window = max(4 * parallel, 64)
        self.slots = threading.Semaphore(self.window)
        self.work: queue.Queue[Item | None] = queue.Queue()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stopping = threading.Event()
        self.counts = {"done": 0, "failed": 0, "running": 0, "skipped": 0}
        self.headers = chat_headers(api, stream=True) | (cache.server_headers() if cache is not None else {})
        self.models_seen = {api.settings.model}  # an item's own model is checked for its expiry once

    def run(self, lines: Iterable[str], out: Output) -> dict[str, int]:
        """Answer every item; the counts of done, failed and skipped items."""
        pause = self.api.transport.waits  # the transport is made here, before the threads share it
        assert isinstance(pause, SharedPause), "a batch's client is made with the shared pause"
        self.pause = pause
        threads = [threading.Thread(target=self._read, args=(lines,), name="batch-reader", daemon=True)]
        threads += [threading.Thread(target=self._work, name=f"batch-{n}", daemon=True) for n in range(self.parallel)]
        for thread in threads:
            thread.start()
        try:
            self._write_all(out)
        except BaseException:
            self._cancel()
            self.log.flush(patient=False)
            raise
        self.log.flush()
        for _ in range(self.parallel):
            self.work.put(None)
        return self.counts

    def _read(self, lines: Iterable[str]) -> None:
        try:
            sent = 0
            for index, number, text in numbered_lines(lines):
                if self.stopping.is_set():
                    return
                if self.shard is not None and index % self.shard[1] != self.shard[0] - 1:
                    continue
                if self.done and id_key(line_id(text, number)) in self.done:
                    self.events.put(("skipped", None))
                    continue
                self.slots.acquire()
                item = make_item(sent, number, text, self.params, model=self.api.settings.model)
                sent += 1
                if item.error is not None:
                    self.events.put(("record", (item.index, (record_of(item.id, None, item.error), None, None), False)))
                else:
                    self._check_model(item)
                    self.work.put(item)
            self.events.put(("end", sent))
        except (OSError, NoLineEnd) as exc:  # an unreadable input (EIO, no lines): the batch ends with it
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.events.put(("failure", UsageError(f"cannot read the input: {reason}")))
        except BaseException as exc:
            self.events.put(("failure", exc))

    def _check_model(self, item: Item) -> None:
        """An item's own model, the first time one uses it: its expiry is told on the writing thread."""
        model = item.body.get("model") if isinstance(item.body, dict) else None
        if isinstance(model, str) and model not in self.models_seen:
            self.models_seen.add(model)
            self.events.put(("model", model))

    def _work(self) -> None:
        while (item := self.work.get()) is not None:
            if self.stopping.is_set():
                return
            self.events.put(("running", 1))
            try:
                record = self._answer(item)
            except BaseException as exc:
                if not self.stopping.is_set():
                    self.events.put(("failure", exc))
                return
            if not self.stopping.is_set():
                self.events.put(("record", (item.index, record, True)))

    def _answer(self, item: Item) -> tuple[dict[str, Any], Attempt | None, SacliError | None]:
        """The item's record, its exchange for the log (when it is on), and how the item failed."""
        self.pause.working_on(item.id)
        held = HeldReply(keep=False)
        reader = ReplyReader(held, json_lines=False, keep_text=True, keep_reasoning=self.log.on)
        assert item.body is not None
        hit = self.cache.lookup(self.api.settings.base_url, item.body) if self.cache is not None else None
        if hit is not None:
            return self._from_cache(item, reader, hit)
        spending = self.spending
        meter = None
        if spending is not None:
            try:
                spending.check_run()
                meter = spending.before(item.body, max_cost=self.max_cost_item)
            except SpendingLimit as error:  # not sent: the item's record says why
                if error is spending.reached:
                    self.stopped_by = error
                return record_of(item.id, None, error), None, error
        reader.meter = meter
        attempt = self.log.begin(item.body) if self.log.on else None
        retries = attempt.retries if attempt is not None else []
        started = time.monotonic()
        reply = None
        try:
            reply = ask(
                self.api, item.body, reader, headers=self.headers, keep_alive=True,
                output_started=lambda: held.started, retries=retries,
            )  # fmt: skip
            if spending is not None:
                spending.settle(reply, item.body, meter)
            if (refusal := refused(reply)) is not None:
                raise refusal
            if item.schema is not None and not reply.tool_calls:
                from sacli.chat.schema import check_reply

                check_reply("".join(reply.text), item.schema, cut=reply.cut)
        except SacliError as error:
            if spending is not None and reader.reply is not None and reply is None:
                with contextlib.suppress(SacliError):
                    spending.settle(reader.reply, item.body, meter)  # what the part that came cost
            record = record_of(item.id, reply, error, started=started, retries=len(retries), partial=reader.reply)
            return record, self._with_reply(attempt, reader), error
        return (
            record_of(item.id, reply, None, started=started, retries=len(retries)),
            self._with_reply(attempt, reader),
            None,
        )

    def _from_cache(
        self, item: Item, reader: ReplyReader, hit: dict[str, Any]
    ) -> tuple[dict[str, Any], Attempt | None, SacliError | None]:
        assert item.body is not None
        attempt = self.log.begin(item.body) if self.log.on else None
        started = time.monotonic()
        reply = reader.read_events(iter(replayed(hit)))
        reply.cache_status = "local"
        error = None
        if item.schema is not None and not reply.tool_calls:
            from sacli.chat.schema import check_reply

            try:
                check_reply("".join(reply.text), item.schema, cut=reply.cut)
            except SacliError as mismatch:
                error = mismatch
        return record_of(item.id, reply, error, started=started), self._with_reply(attempt, reader), error

    @staticmethod
    def _with_reply(attempt: Attempt | None, reader: ReplyReader) -> Attempt | None:
        if attempt is not None:
            attempt.reply = reader.reply
        return attempt

    def _write_all(self, out: Output) -> None:
        held: dict[int, dict[str, Any]] = {}
        next_index = 0
        written = 0
        total: int | None = None
        while total is None or written < total:
            kind, value = self.events.get()
            if kind == "failure":
                raise value
            if kind == "end":
                total = value
            elif kind == "model":
                warn_if_expiring(self.api.settings.base_url, value)
            elif kind in ("running", "skipped"):
                self.counts[kind] += 1
            else:
                index, record, ran = value
                self.counts["running"] -= ran
                held[index] = record
                while held and (not self.ordered or next_index in held):
                    self._write(out, held.pop(next_index if self.ordered else next(iter(held))))
                    next_index += 1
                    written += 1
            self.on_progress(self.counts)

    def _write(self, out: Output, answered: tuple[dict[str, Any], Attempt | None, SacliError | None]) -> None:
        record, attempt, failure = answered
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        held_off = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, held_off)
        try:
            out.write(line)  # one record, whole, before Ctrl-C or SIGTERM can stop sacli
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held_off)
        self.slots.release()
        self.counts["failed" if record["error"] is not None else "done"] += 1
        if attempt is not None:
            self.log.end(attempt, failure, later=True)
            if (
                self.shares_spend
                or len(self.log.pending) >= LOG_EVERY[0]
                or time.monotonic() - self.logged_at >= LOG_EVERY[1]
            ):
                self.log.flush()
                self.logged_at = time.monotonic()

    def _cancel(self) -> None:
        self.stopping.set()
        for _ in range(self.parallel):
            self.work.put(None)
        self.slots.release(self.window)  # a reader waiting for room sees the stop
        self.api.close()  # the running requests end with their connections
