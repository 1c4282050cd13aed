"""How a batch ends early — Ctrl-C, SIGTERM, --timeout, a failure of the run itself — with a record for
every item all the same.

The items running are cut: each record says why, with what had come of its reply. The records that
had finished are written. The rest of the input is read on, without sending anything, and each item
left gets a record whose message starts "not started: ". After the stop the records come in no set
order, also with --ordered. The run's own failure then goes on up: the process still ends by its
signal, or with its exit code.

What cannot be done: a closed or failing stdout takes no more records; an input that stays silent
for ``SILENCE`` seconds (a pipe whose writer goes on) is read no further, and a warning says from
which line on the items have no record, as after a SIGKILL (--resume finds them).
"""

from __future__ import annotations

import queue
import signal
from typing import Any, Protocol

from sacli.api.completions import ReplyReader
from sacli.batch.items import Item
from sacli.batch.records import not_started, record_of
from sacli.chat.exchangelog import Attempt
from sacli.errors import OutputError, Stop
from sacli.term.stdout import Output

SILENCE = 2.0  # seconds without a line of input, after which the input is read no further


class Running:
    """An item a worker has started: what its record needs if the run is cut short under it."""

    def __init__(self, item: Item) -> None:
        self.item = item
        self.started: float | None = None
        self.reader: ReplyReader | None = None
        self.attempt: Attempt | None = None
        self.retries: list[str] = []


class BatchRun(Protocol):
    """What of sacli.batch.run.BatchRun the ending uses."""

    held: dict[int, Any]
    pending: dict[int, Item]
    events: queue.Queue[tuple[str, Any]]
    reading: bool
    lines_read: int

    def cancel(self) -> list[Running]: ...

    def write(self, out: Output, index: int) -> None: ...

    def write_record(self, out: Output, record: dict[str, Any], attempt: Attempt | None, failure: Any) -> None: ...


def end_run(run: BatchRun, ended: BaseException, out: Output) -> None:
    claimed = run.cancel()
    if isinstance(ended, OutputError) or (isinstance(ended, Stop) and ended.signum == signal.SIGPIPE):
        return  # stdout takes nothing more
    taken = {running.item.index for running in claimed}
    for index in sorted(run.held):
        run.write(out, index)
    for running in claimed:
        run.pending.pop(running.item.index, None)
        run.write_record(out, *_cut(running, ended))
    silent = _drain(run, ended, out, taken)
    for item in list(run.pending.values()):
        run.write_record(out, not_started(item.id, ended, item.extra), None, None)
    run.pending.clear()
    if silent:
        from sacli.term.stderr import MESSAGES

        MESSAGES.warn(
            f"the input was read no further than line {run.lines_read} once the run ended: the items after it "
            "have no record (--resume finds them)"
        )


def _cut(running: Running, ended: BaseException) -> tuple[dict[str, Any], Any, BaseException]:
    item = running.item
    partial = running.reader.reply if running.reader is not None else None
    record = record_of(
        item.id, None, ended, started=running.started, retries=len(running.retries), partial=partial, extra=item.extra
    )
    if running.attempt is not None:
        running.attempt.reply = partial
    return record, running.attempt, ended


def _write_unstarted(run: BatchRun, ended: BaseException, out: Output) -> None:
    """The "not started" records of the items read and never sent; those refused at reading (an error
    of their own) keep waiting for the record the reader puts after them."""
    for index, item in list(run.pending.items()):
        if item.error is None:
            del run.pending[index]
            run.write_record(out, not_started(item.id, ended, item.extra), None, None)


def _drain(run: BatchRun, ended: BaseException, out: Output, taken: set[int]) -> bool:
    """Write what the events still bring until the reader is done; whether the input fell silent first."""
    gave_up = False
    reader_done = not run.reading
    while True:
        try:
            kind, value = run.events.get_nowait()
        except queue.Empty:
            # Every record that had finished is in by now (the workers put theirs before the cancel):
            # the items read and never sent get theirs, which frees their slots for the reader.
            _write_unstarted(run, ended, out)
            try:
                kind, value = run.events.get_nowait() if reader_done else run.events.get(timeout=SILENCE)
            except queue.Empty:
                return gave_up or not reader_done
        if kind == "end":
            reader_done = True
        elif kind == "failure" and not reader_done:  # the input cannot be read on
            reader_done = gave_up = True
        elif kind == "item" and value.index not in taken:
            run.pending[value.index] = value
        elif kind == "unstarted":
            run.write_record(out, not_started(value.id, ended, value.extra), None, None)
        elif kind == "record":
            index, answered, _ = value
            if index not in taken:
                run.held[index] = answered
                run.write(out, index)
