"""The budget's count: a reply of this run is counted once, whether its row is in the log yet or not."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sacli.api.reply import Reply
from sacli.chat.spending import Limits, Spending
from sacli.errors import SpendingLimit
from sacli.store.logdb import write_many
from sacli.store.logquery import new_id


def row(cost: float) -> dict[str, Any]:
    return {"id": new_id(), "started_at": "2026-12-01T10:00:00.000Z", "status": "ok", "exit_code": 0, "cost": cost}


def test_a_reply_whose_row_is_being_written_is_counted_once(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    write_many(path, [row(0.80)])  # an earlier run's spend
    spending = Spending(None, Limits(budget=1.0, log_path=path))  # type: ignore[arg-type]  # the budget asks no server
    spending.settle(Reply(usage={"cost": 0.15}), {})  # this run's reply, not in the log yet: 0.95 spent
    spending.check_budget()

    written, go_on = threading.Event(), threading.Event()

    @contextlib.contextmanager
    def held_after_the_write(cost: float) -> Iterator[None]:
        with spending.logging(cost):
            yield  # the row is written here
            written.set()
            go_on.wait(30)  # between the commit and the count's update: where a count read it twice

    writer = threading.Thread(target=lambda: _write(held_after_the_write, path))
    writer.start()
    assert written.wait(30)
    outcome: list[BaseException | None] = []
    checker = threading.Thread(target=lambda: outcome.append(_check(spending)))
    checker.start()
    checker.join(1)  # a count that does not wait for the write reads 0.80 + 0.15 logged and 0.15 not: 1.10
    go_on.set()
    writer.join()
    checker.join()
    assert outcome == [None]  # 0.95: under the budget


def _write(on_write: Any, path: Path) -> None:
    with on_write(0.15):
        write_many(path, [row(0.15)])


def _check(spending: Spending) -> BaseException | None:
    try:
        spending.check_budget()
    except SpendingLimit as reached:
        return reached
    return None
