"""Running a batch: many prompts over one connection pool, each answer one JSON line on stdout.

Three kinds of thread, joined by queues:

- a reader takes the input line by line and makes each line an item (skipping the items
  --resume found done and the items of other --shard's); it may run only ``window`` items
  ahead of what is written, which bounds the memory whatever the input's length;
- ``parallel`` workers each send one item's request at a time, with the transport's retries
  and the batch's shared pause (sacli.api.waits.SharedPause), and hand back the item's record;
- the main thread writes each record whole, with one write and with SIGINT, SIGTERM and the
  --timeout alarm held off meanwhile, in the order they finish or (``ordered``) in input order.

Ctrl-C, SIGTERM, --timeout and a failure of the run itself reach only the main thread. It then
ends the run (sacli.batch.ending): the running requests are cut and every other item still gets
its record, so that each item of the input has one whatever ended the run.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sacli.api import headerclock
from sacli.api.chatrequest import ChatParameters
from sacli.api.client import ApiClient
from sacli.api.completions import ReplyReader, ask, chat_headers
from sacli.api.reply import Reply
from sacli.api.waits import SharedPause
from sacli.batch.ending import Running, end_run
from sacli.batch.ids import Ids
from sacli.batch.items import Item, line_fields, line_id, line_models, make_item, numbered_lines
from sacli.batch.records import line_of, not_started, record_of
from sacli.batch.resume import Resumed
from sacli.batch.summary import Summary
from sacli.chat.exchangelog import Attempt, ExchangeLog
from sacli.chat.expiry import warn_if_expiring
from sacli.chat.heldreply import HeldReply
from sacli.chat.replycache import ReplyCache, replayed
from sacli.chat.replynotes import refused
from sacli.chat.spending import Spending
from sacli.errors import SacliError, SchemaMismatch, SpendingLimit, UsageError
from sacli.readers.localfiles import NoLineEnd
from sacli.term.stdout import Output

LOG_EVERY = (64, 0.5)  # the log is written once this many records, or this many seconds, have gone by
HELD_OFF = {signal.SIGINT, signal.SIGTERM, signal.SIGALRM}  # kept from cutting a record's write

Answered = tuple[dict[str, Any], Attempt | None, BaseException | None]  # a record, its exchange, its failure


class BatchRun:
    def __init__(
        self,
        api: ApiClient,
        params: ChatParameters,
        *,
        parallel: int,
        ordered: bool,
        resumed: Resumed | None,
        shard: tuple[int, int] | None,
        on_progress: Callable[[dict[str, int]], None],
        log: ExchangeLog,
        models: list[str],
        folder: str | None = None,
        item_timeout: float | None = None,
        spending: Spending | None = None,
        max_cost_item: float | None = None,
        cache: ReplyCache | None = None,
    ) -> None:
        """``log`` gets each item's exchange, written in groups as the records are (LOG_EVERY).
        ``models``: the -m's, each line asked of each unless it names its own; ``folder``: where the lines'
        attach files are; ``item_timeout``: --item-timeout.
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
        self.resumed = resumed
        self.shard = shard
        self.folder = folder
        self.models = models
        self.item_timeout = item_timeout
        self.on_progress = on_progress
        self.ids = Ids()
        self.window = max(4 * parallel, 64)
        self.slots = threading.Semaphore(self.window)
        self.work: queue.Queue[Item | None] = queue.Queue()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # over ``running`` and ``stopping``: an item is the workers' or the ending's
        self.running: dict[int, Running] = {}
        self.pending: dict[int, Item] = {}  # items read and not yet written (the main thread's)
        self.held: dict[int, Answered] = {}  # --ordered: finished records waiting for their turn
        self.total: int | None = None
        self.summary: Summary | None = None  # the comparison of the models, when it is asked for
        self.reading = True  # till the reader has put its last event
        self.lines_read = 0  # the number of the last line the reader took
        self.counts = {"done": 0, "failed": 0, "running": 0, "skipped": 0}
        self.headers = chat_headers(api, stream=True) | (cache.server_headers() if cache is not None else {})
        self.models_seen = {api.settings.model}  # every other model an item asks is checked for its expiry once

    def run(self, lines: Iterable[bytes], out: Output) -> dict[str, int]:
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
        except BaseException as ended:
            try:
                end_run(self, ended, out)
            finally:
                self.log.flush(patient=False)
            raise
        self.log.flush()
        for _ in range(self.parallel):
            self.work.put(None)
        return self.counts

    def _read(self, lines: Iterable[bytes]) -> None:
        try:
            sent = 0
            product = 0  # among the (line, model) pairs of the whole input: what --shard splits on
            for _, number, text in numbered_lines(lines):
                self.lines_read = number
                fields = line_fields(text)
                item_id = line_id(fields)
                place, key = self.ids.place(item_id, number)
                for model in line_models(fields, self.models):
                    product += 1
                    done = self.resumed is not None and self.resumed.matched(key, model)
                    if self.shard is not None and (product - 1) % self.shard[1] != self.shard[0] - 1:
                        continue
                    if done:
                        self.events.put(("skipped", None))
                        continue
                    extra = {**place, "model_asked": model}
                    item = Item(index=sent, number=number, id=item_id, model=model, key=key, extra=extra)
                    sent += 1
                    self._read_item(item, text)
            self.events.put(("end", sent))
        except (OSError, NoLineEnd) as exc:  # an unreadable input (EIO, no lines): the batch ends with it
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.events.put(("failure", UsageError(f"cannot read the input: {reason}")))
        except BaseException as exc:
            self.events.put(("failure", exc))
        finally:
            self.reading = False

    def _read_item(self, item: Item, text: str | None) -> None:
        # A slot for every item read, also once the run is ending: the items read and not yet written
        # stay within the window however fast the input comes (each record written frees its slot).
        self.slots.acquire()
        if self.stopping.is_set():  # the run is ending: each item left gets its record
            self.events.put(("unstarted", item))
            return
        make_item(item, text, self.params, model=item.model, folder=self.folder)
        self.events.put(("item", item))
        if item.error is not None:
            self.events.put(("record", (item.index, (self._record(item, None, item.error), None, None), False)))
        else:
            self._check_model(item)
            self.work.put(item)

    def _check_model(self, item: Item) -> None:
        """The model an item asks, the first time one does: its expiry is told on the writing thread."""
        model = item.body.get("model") if isinstance(item.body, dict) else None
        if isinstance(model, str) and model not in self.models_seen:
            self.models_seen.add(model)
            self.events.put(("model", model))

    def _work(self) -> None:
        while (item := self.work.get()) is not None:
            running = Running(item)
            with self.lock:
                if self.stopping.is_set():
                    return
                self.running[item.index] = running
            self.events.put(("running", 1))
            try:
                answered = self._answer(item, running)
                failure = None
            except BaseException as exc:
                failure = exc
            if failure is None and self.shares_spend and answered[1] is not None:
                # Under a budget the row goes to the log before this worker takes another item: other
                # processes of the scope see this spend while this one can add at most its running items.
                self.log.end(answered[1], answered[2])
            with self.lock:  # unless the ending has taken the item over, its record is this one
                if self.running.pop(item.index, None) is None:
                    return
                if failure is not None:
                    self.events.put(("failure", failure))
                    return
                self.events.put(("record", (item.index, answered, True)))

    def _record(self, item: Item, reply: Reply | None, error: SacliError | None, **kwargs: Any) -> dict[str, Any]:
        record = record_of(item.id, reply, error, extra=item.extra, **kwargs)
        if item.schema is not None:
            record["schema_ok"] = True if error is None else False if isinstance(error, SchemaMismatch) else None
        return record

    def _answer(self, item: Item, running: Running) -> Answered:
        """The item's record, its exchange for the log (when it is on), and how the item failed."""
        self.pause.working_on(item.id if item.id is not None else f"line {item.number}")
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
                    return not_started(item.id, error, item.extra), None, error
                return self._record(item, None, error), None, error
        reader.meter = meter
        attempt = self.log.begin(item.body) if self.log.on else None
        running.attempt, running.reader, running.retries = attempt, reader, attempt.retries if attempt else []
        retries = running.retries
        started = running.started = time.monotonic()
        reply = None
        headerclock.working_for(self.item_timeout)
        try:
            reply = ask(
                self.api, item.body, reader, headers=self.headers, keep_alive=True,
                output_started=lambda: held.started or self.stopping.is_set(), retries=retries,
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
            record = self._record(item, reply, error, started=started, retries=len(retries), partial=reader.reply)
            return record, self._with_reply(attempt, reader), error
        finally:
            headerclock.working_for(None)
        record = self._record(item, reply, None, started=started, retries=len(retries))
        return record, self._with_reply(attempt, reader), None

    def _from_cache(self, item: Item, reader: ReplyReader, hit: dict[str, Any]) -> Answered:
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
        return self._record(item, reply, error, started=started), self._with_reply(attempt, reader), error

    @staticmethod
    def _with_reply(attempt: Attempt | None, reader: ReplyReader | None) -> Attempt | None:
        if attempt is not None and reader is not None:
            attempt.reply = reader.reply
        return attempt

    def _write_all(self, out: Output) -> None:
        next_index = 0
        written = 0
        while self.total is None or written < self.total:
            kind, value = self.events.get()
            if kind == "failure":
                raise value
            if kind == "end":
                self.total = value
            elif kind == "item":
                self.pending[value.index] = value
            elif kind == "model":
                warn_if_expiring(self.api.settings.base_url, value)
            elif kind in ("running", "skipped"):
                self.counts[kind] += 1
            else:
                index, answered, ran = value
                self.counts["running"] -= ran
                self.held[index] = answered
                while self.held and (not self.ordered or next_index in self.held):
                    self.write(out, next_index if self.ordered else next(iter(self.held)))
                    next_index += 1
                    written += 1
            self.on_progress(self.counts)

    def write(self, out: Output, index: int) -> None:
        """Write the record of the item ``index`` (held in ``held``)."""
        self.pending.pop(index, None)
        self.write_record(out, *self.held.pop(index))

    def write_record(self, out: Output, record: dict[str, Any], attempt: Attempt | None, failure: Any) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, HELD_OFF)
        try:
            out.write(line_of(record))  # one record, whole, before a signal or the alarm can stop sacli
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_OFF)
        self.slots.release()
        self.counts["failed" if record["error"] is not None else "done"] += 1
        if self.summary is not None:
            self.summary.add(record)
        if attempt is not None:
            self.log.end(attempt, failure, later=True)
            if (
                self.shares_spend
                or len(self.log.pending) >= LOG_EVERY[0]
                or time.monotonic() - self.logged_at >= LOG_EVERY[1]
            ):
                self.log.flush()
                self.logged_at = time.monotonic()

    def cancel(self) -> list[Running]:
        """Stop the workers and the reader's waiting; the items running, now the caller's."""
        with self.lock:
            self.stopping.set()
            claimed = list(self.running.values())
            self.running.clear()
        for _ in range(self.parallel):
            self.work.put(None)
        self.slots.release(self.window)  # a reader waiting for room sees the stop
        self.api.close()  # the running requests end with their connections
        return claimed
