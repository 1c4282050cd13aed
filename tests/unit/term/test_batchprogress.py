"""The counts on the progress line of sacli batch (rich draws the bar, the rate and the time left)."""

from __future__ import annotations

import pytest

from sacli.term.batchprogress import counts_text, fitted


def test_the_counts_say_what_is_finished_failed_and_running() -> None:
    assert counts_text({"done": 40, "failed": 10, "running": 8}, 200) == "50/200 · 10 failed · 8 running"


def test_without_a_total_the_finished_items_are_counted_as_done() -> None:
    assert counts_text({"done": 7, "failed": 0, "running": 2}, None) == "7 done · 2 running"


PARTS = ["412/1000 · 3 failed · 32 running", "27.4/s", "0:00:21"]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (120, (20, "412/1000 · 3 failed · 32 running · 27.4/s 0:00:21")),
        (68, (18, "412/1000 · 3 failed · 32 running · 27.4/s 0:00:21")),  # the bar narrows
        (60, (10, "412/1000 · 3 failed · 32 running · 27.4/s 0:00:21")),
        (55, (13, "412/1000 · 3 failed · 32 running · 27.4/s")),  # then the time left goes
        (49, (16, "412/1000 · 3 failed · 32 running")),  # then the rate
        (40, (0, "412/1000 · 3 failed · 32 running")),  # then the bar
        (20, (0, "412/1000 · 3 failed…")),  # the counts are cut last
    ],
)
def test_the_line_is_fitted_to_the_width_leaving_out_the_least_first(width: int, expected: tuple[int, str]) -> None:
    bar, text = fitted(width, PARTS, bar=True)
    assert (bar, text) == expected
    assert bar + (bar > 0) + len(text) <= width


def test_without_a_total_there_is_no_bar_and_no_time_left() -> None:
    assert fitted(80, ["7 done · 2 running", "3.5/s"], bar=False) == (0, "7 done · 2 running · 3.5/s")
    assert fitted(20, ["7 done · 2 running", "3.5/s"], bar=False) == (0, "7 done · 2 running")
