"""The counts on the progress line of sacli batch (rich draws the bar, the rate and the time left)."""

from __future__ import annotations

from sacli.term.batchprogress import counts_text


def test_the_counts_say_what_is_finished_failed_and_running() -> None:
    assert counts_text({"done": 40, "failed": 10, "running": 8}, 200) == "50/200 · 10 failed · 8 running"


def test_without_a_total_the_finished_items_are_counted_as_done() -> None:
    assert counts_text({"done": 7, "failed": 0, "running": 2}, None) == "7 done · 2 running"
