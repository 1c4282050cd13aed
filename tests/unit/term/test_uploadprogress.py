"""The line of an upload's progress, fitted to the terminal's width (rich draws the bar)."""

from __future__ import annotations

import pytest

from sacli.term.uploadprogress import fitted, short_label

PATH = "/home/alice/reports/quarterly-report-of-the-northern-region-2026.pdf"
SENDING = ["123.5/300.0 MB", "12.3 MB/s", "0:00:21"]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (79, ("…northern-region-2026.pdf", 20, "123.5/300.0 MB 12.3 MB/s 0:00:21")),
        (49, ("…on-2026.pdf", 11, "123.5/300.0 MB 12.3 MB/s")),  # the time left goes first
        (29, ("…gion-2026.pdf", 0, "123.5/300.0 MB")),  # then the rate and the bar
    ],
)
def test_a_long_path_keeps_its_end_and_the_line_fits(width: int, expected: tuple[str, int, str]) -> None:
    label, bar, text = fitted(width, PATH, SENDING)
    assert (label, bar, text) == expected
    assert len(label) + (bar + 1 if bar else 0) + 1 + len(text) <= width


def test_a_small_file_shows_its_size_and_a_long_bar() -> None:
    assert fitted(79, "notes.txt", ["6 bytes"]) == ("notes.txt", 40, "6 bytes")
    assert fitted(49, "notes.txt", ["6 bytes"]) == ("notes.txt", 31, "6 bytes")


def test_a_label_is_escaped_before_it_is_cut() -> None:
    assert short_label("x\x1b]0;pwned\x07\x1b[2J.txt") == "x\\e]0;pwned\\x07\\e[2J.txt"
    assert short_label("a" * 50 + "\x1b.txt", 10) == "…aaa\\e.txt"
