"""The progress line of sacli batch: counts, rate and the time left."""

from __future__ import annotations

from sacli.term.batchprogress import progress_line


def test_the_line_has_the_bar_the_counts_the_rate_and_the_time_left() -> None:
    counts = {"done": 40, "failed": 10, "running": 8}
    assert progress_line(counts, 200, elapsed=10.0) == (
        "[#####...............]  50/200 · 10 failed · 8 running · 5.0/s · ETA 0:30"
    )


def test_without_a_total_there_is_no_bar_and_no_time_left() -> None:
    assert progress_line({"done": 7, "failed": 0, "running": 2}, None, elapsed=2.0) == "7 done · 2 running · 3.5/s"


def test_the_time_left_counts_hours_when_it_must() -> None:
    line = progress_line({"done": 1, "failed": 0, "running": 1}, 10_000, elapsed=1.0)
    assert line.endswith("· 1.0/s · ETA 2:46:39")
