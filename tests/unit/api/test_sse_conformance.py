"""sacli.sse.SSEParser against the WHATWG rules for interpreting an event stream, bytes in, events out.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
(sections 9.2.5 and 9.2.6; the spec's own examples come first). ``feed`` returns the events a
read completed; a last block without its blank line is never dispatched.
"""

from __future__ import annotations

import pytest

from sacli.api.sse import Event, EventTooLarge, SSEParser

ENDINGS = {"LF": b"\n", "CR": b"\r", "CRLF": b"\r\n"}


def events(*reads: bytes) -> list[Event]:
    parser = SSEParser()
    found: list[Event] = []
    for read in reads:
        found += parser.feed(read)
    return found


def message(data: str, id: str = "", type: str = "message") -> Event:
    return Event(type, data, id)


def lines(text: str, ending: bytes = b"\n") -> bytes:
    """The example text with its line ends replaced by ``ending``."""
    return text.encode().replace(b"\n", ending)


# The spec's examples, with each kind of line end.


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_spec_example_stock_ticker_multiline_data(ending: bytes) -> None:
    # "The following event stream, once followed by a blank line: data: YHOO / data: +2 / data: 10"
    assert events(lines("data: YHOO\ndata: +2\ndata: 10\n\n", ending)) == [message("YHOO\n+2\n10")]


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_spec_example_four_blocks_comment_ids_and_leading_space(ending: bytes) -> None:
    stream = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
    assert events(lines(stream, ending)) == [
        message("first event", id="1"),
        message("second event", id=""),  # "id" with no value resets the last event ID
        message(" third event", id=""),  # only one space after the colon is removed
    ]


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_spec_example_data_with_and_without_colon_and_the_unterminated_last_block(ending: bytes) -> None:
    # "The first block fires events with the data set to the empty string ... The middle block
    # fires an event with the data set to a single newline character. The last block is
    # discarded because it is not followed by a blank line."
    assert events(lines("data\n\ndata\ndata\n\ndata:", ending)) == [message(""), message("\n")]


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_spec_example_the_space_after_the_colon_is_ignored(ending: bytes) -> None:
    assert events(lines("data:test\n\ndata: test\n\n", ending)) == [message("test"), message("test")]


def test_spec_example_two_spaces_keep_one() -> None:
    assert events(b"data:  test\n\n") == [message(" test")]


def test_event_types() -> None:
    stream = b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"
    assert events(stream) == [
        message("73857293", type="add"),
        message("2153", type="remove"),
        message("113411", type="add"),
    ]


# Line ends


def test_mixed_line_ends_in_one_stream() -> None:
    stream = b"event: e\r\nid: 1\rdata: one\ndata: two\r\n\r\n: c\rdata: three\n\r"
    assert events(stream) == [message("one\ntwo", id="1", type="e"), message("three", id="1")]


def test_a_cr_lf_pair_split_across_two_reads_is_one_line_end() -> None:
    # If the LF were a second line end, it would be a blank line dispatching "a" on its own.
    assert events(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [message("a\nb")]


def test_an_empty_read_between_cr_and_lf_changes_nothing() -> None:
    assert events(b"data: a\r", b"", b"\ndata: b\r\n\r\n") == [message("a\nb")]


def test_cr_then_cr_across_reads_is_a_blank_line() -> None:
    assert events(b"data: a\r", b"\rdata: b\n\n") == [message("a"), message("b")]


def test_a_block_ending_in_cr_is_dispatched_without_waiting_for_the_next_read() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: now\r\r") == [message("now")]
    assert parser.feed(b"\n") == []  # the LF completes the CRLF pair: no extra blank line


def test_lf_cr_is_two_line_ends() -> None:
    assert events(b"data: a\n\r") == [message("a")]


# The BOM


def test_a_leading_bom_is_dropped() -> None:
    assert events(b"\xef\xbb\xbfdata: x\n\n") == [message("x")]


def test_a_leading_bom_split_across_reads_is_dropped() -> None:
    assert events(b"\xef", b"\xbb", b"\xbfdata: x\n\n") == [message("x")]
    assert events(b"\xef\xbb", b"\xbf", b"data: x\n\n") == [message("x")]


def test_only_one_bom_is_dropped() -> None:
    # The second BOM is part of the first line's field name, which is then unknown.
    assert events(b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n") == [message("y")]


def test_a_bom_after_the_start_is_text() -> None:
    assert events(b"data: x\n\n\xef\xbb\xbfdata: y\n\ndata: \xef\xbb\xbfz\n\n") == [message("x"), message("\ufeffz")]


def test_bytes_that_only_begin_like_a_bom_are_kept() -> None:
    assert events(b"\xef", b"\xbbdata: x\n\ndata: y\n\n") == [message("y")]


# Comments, fields and values


def test_comment_lines_are_ignored_anywhere() -> None:
    stream = b": first\n:\ndata: a\n: between\ndata: b\n:data: not data\n\n"
    assert events(stream) == [message("a\nb")]


def test_comment_only_blocks_dispatch_nothing() -> None:
    assert events(b": keep-alive\n\n:\n\n: OPENROUTER PROCESSING\n\n") == []


def test_only_a_single_space_after_the_colon_is_removed() -> None:
    assert events(b"data:x\n\n", b"data: x\n\n", b"data:  x\n\n", b"data:\tx\n\n") == [
        message("x"),
        message("x"),
        message(" x"),
        message("\tx"),
    ]


def test_the_value_is_everything_after_the_first_colon() -> None:
    assert events(b'data: {"a": "b:c"}\n\n') == [message('{"a": "b:c"}')]


def test_multiline_data_is_joined_with_newlines() -> None:
    assert events(b"data: one\ndata:\ndata: three\n\n") == [message("one\n\nthree")]


def test_a_field_line_without_a_colon_has_an_empty_value() -> None:
    assert events(b"data\ndata: x\n\n") == [message("\nx")]
    assert events(b"event\ndata: x\n\n") == [message("x")]


@pytest.mark.parametrize(
    "block",
    [b"id: 7\n\n", b"event: add\n\n", b"retry: 100\n\n", b"id: 1\nevent: x\nretry: 5\n\n", b"foo: bar\n\n"],
)
def test_blocks_without_data_dispatch_nothing(block: bytes) -> None:
    assert events(block) == []


def test_an_event_type_without_data_does_not_leak_into_the_next_block() -> None:
    assert events(b"event: ignored\n\ndata: x\n\n") == [message("x")]


def test_the_event_type_resets_after_each_dispatch() -> None:
    assert events(b"event: error\ndata: a\n\ndata: b\n\n") == [message("a", type="error"), message("b")]


def test_an_empty_event_field_means_message() -> None:
    assert events(b"event:\ndata: x\n\n") == [message("x")]


@pytest.mark.parametrize("line", [b"foo: bar", b"Data: x", b"DATA: x", b" data: x", b"data : x", b"datum: x"])
def test_unknown_fields_are_ignored_and_names_are_case_sensitive(line: bytes) -> None:
    assert events(line + b"\ndata: kept\n\n") == [message("kept")]


def test_the_last_event_id_carries_over_until_changed() -> None:
    stream = b"id: 7\ndata: a\n\ndata: b\n\nid: 8\n\ndata: c\n\nid\ndata: d\n\n"
    assert events(stream) == [message("a", "7"), message("b", "7"), message("c", "8"), message("d", "")]


def test_an_id_containing_null_is_ignored() -> None:
    assert events(b"id: 5\ndata: a\n\nid: 6\x00\ndata: b\n\n") == [message("a", "5"), message("b", "5")]


def test_null_in_data_is_kept() -> None:
    assert events(b"data: a\x00b\n\n") == [message("a\x00b")]


def test_retry_takes_only_ascii_digits() -> None:
    parser = SSEParser()
    assert parser.feed(b"retry: 5000\n") == [] and parser.retry == 5000
    for ignored in (b"retry: 1a\n", b"retry: -1\n", b"retry:\n", b"retry: 1.5\n", b"retry: \xd9\xa1\n"):
        parser.feed(ignored)
        assert parser.retry == 5000
    parser.feed(b"retry:250\n\n")
    assert parser.retry == 250


# Where a stream ends


def test_the_last_block_without_a_blank_line_is_never_dispatched() -> None:
    assert events(b"data: complete\n\ndata: incomplete\n") == [message("complete")]
    assert events(b"data: complete\n\ndata: incomplete") == [message("complete")]
    assert events(b'data: {"cut') == []


def test_feed_returns_only_the_events_each_read_completed() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\ndata: b\n\nda") == [message("a"), message("b")]
    assert parser.feed(b"ta: c\n") == []
    assert parser.feed(b"\n") == [message("c")]


# UTF-8


@pytest.mark.parametrize("text", ["€", "𝄞", "é", "日本語"])
def test_a_utf8_character_split_across_reads_is_whole(text: str) -> None:
    stream = f"data: {text}\n\n".encode()
    assert events(*(stream[i : i + 1] for i in range(len(stream)))) == [message(text)]


def test_invalid_utf8_is_replaced() -> None:
    assert events(b"data: a\xffb\xe2\x82\n\n") == [message("a\ufffdb\ufffd")]


# One event is bounded (not a spec rule: memory must stay bounded whatever a server sends)

LIMIT = 64


def bounded(*reads: bytes) -> list[Event]:
    parser = SSEParser(max_event=LIMIT)
    found: list[Event] = []
    for read in reads:
        found += parser.feed(read)
    return found


@pytest.mark.parametrize("pieces", [1, 3, 64], ids=["one-read", "three-reads", "byte-by-byte"])
def test_an_event_up_to_the_limit_is_read_whatever_the_reads(pieces: int) -> None:
    data = b"x" * (LIMIT - len(b"data: \n"))  # the line, its end counted, fills the limit
    stream = b"data: " + data + b"\n\n"
    size = -(-len(stream) // pieces)
    assert bounded(*(stream[i : i + size] for i in range(0, len(stream), size))) == [message(data.decode())]


@pytest.mark.parametrize(
    "stream",
    [
        b"data: " + b"x" * (LIMIT + 1) + b"\n\n",  # one line, in one read (the fast path)
        b"data: " + b"x" * (LIMIT // 2) + b"\ndata: " + b"x" * (LIMIT // 2) + b"\n\n",  # two lines
        b"data: " + b"x" * (LIMIT + 1),  # a line whose end never comes
        b": " + b"x" * (LIMIT + 1),  # a comment is held while it arrives, too
    ],
    ids=["one-line", "data-lines", "unended-line", "comment"],
)
def test_an_event_over_the_limit_raises_event_too_large(stream: bytes) -> None:
    with pytest.raises(EventTooLarge):
        bounded(stream)
    with pytest.raises(EventTooLarge):
        bounded(*(stream[i : i + 7] for i in range(0, len(stream), 7)))


def test_the_limit_is_per_event_not_per_stream() -> None:
    one = b"data: " + b"x" * (LIMIT - 8) + b"\n\n"
    assert len(bounded(one * 100)) == 100
