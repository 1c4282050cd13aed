"""Where the network splits a stream must not matter: property tests through the real parser and engine.

The bytes of a stream arrive in reads of any size; a CR/LF pair, a UTF-8 character, a BOM or a
field name can be cut anywhere. Splitting a stream at random byte boundaries (and at every
boundary of a short one) must give exactly the events, the stdout bytes and the outcome of
the unsplit stream. The parser is also compared with a literal transcription of the WHATWG
rules on arbitrary byte soup.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sacli.api.completions import ReplyReader
from sacli.api.sse import Event, SSEParser
from sacli.errors import SacliError
from sacli.term.stdout import Output

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(reads: Sequence[bytes]) -> list[Event]:
    parser = SSEParser()
    found: list[Event] = []
    for read in reads:
        found += parser.feed(read)
    return found


def split_at(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``data`` cut at each position in ``cuts`` (any order, repeats give empty reads)."""
    points = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(points)]


def cuts_for(data: bytes) -> st.SearchStrategy[list[int]]:
    """Cut positions: anywhere, and often where it hurts (between CR and LF, inside a UTF-8
    character or the BOM), with repeats, which make empty reads."""
    tricky = [i for i in range(1, len(data)) if data[i - 1] == 0x0D or 0x80 <= data[i] < 0xC0 or i < 3]
    anywhere = st.integers(0, len(data))
    position = st.one_of(anywhere, st.sampled_from(tricky)) if tricky else anywhere
    return st.lists(position, max_size=max(1, min(len(data), 40)))


@st.composite
def reads_of(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` as a sequence of reads cut by ``cuts_for``, sometimes with an empty read after each."""
    reads = split_at(data, draw(cuts_for(data)))
    if draw(st.booleans()):
        reads = [read for piece in reads for read in (piece, b"")]
    return reads


# A literal transcription of section 9.2.6, on the decoded text: the oracle for the parser.


def whatwg_events(stream: bytes) -> list[Event]:
    text = stream.decode("utf-8", "replace")  # "UTF-8 decode" ...
    text = text.removeprefix("\ufeff")  # ... strips one leading BOM
    *lines, _unterminated = re.split(r"\r\n|\r|\n", text)  # the rest is "pending data", discarded
    data, event_type, last_id = "", "", ""
    found = []
    for line in lines:
        if line == "":
            if data == "":
                data, event_type = "", ""
                continue
            found.append(Event(event_type or "message", data.removesuffix("\n"), last_id))
            data, event_type = "", ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            event_type = value
        elif name == "data":
            data += value + "\n"
        elif name == "id" and "\0" not in value:
            last_id = value
    return found


TOKENS = [
    b"data", b"data:", b"data: ", b"event:", b"id:", b"id", b"retry:", b"event: error", b":", b": ping",
    b" ", b"\r", b"\n", b"\r\n", b"\n\n", b"\r\r", b"\xef\xbb\xbf", b"\xef", b"\xbb", b"\x00", b"x", b"42",
    "€".encode(), "𝄞".encode(), b"\xe2\x82", b"\xff", b"{}", b"[DONE]",
]  # fmt: skip
soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join)


@PROPERTY
@given(stream=soup, data=st.data())
def test_the_parser_follows_the_whatwg_rules_however_the_bytes_are_split(stream: bytes, data: st.DataObject) -> None:
    expected = whatwg_events(stream)
    assert parse([stream]) == expected
    assert parse(data.draw(reads_of(stream))) == expected


@PROPERTY
@given(stream=st.binary(max_size=200), data=st.data())
def test_arbitrary_bytes_never_break_the_parser(stream: bytes, data: st.DataObject) -> None:
    assert parse(data.draw(reads_of(stream))) == whatwg_events(stream)


# Chat streams as a server could send them, in every legal spelling.


@dataclass
class ChatStream:
    body: bytes
    text: str


@st.composite
def chat_streams(draw: st.DrawFn) -> ChatStream:
    deltas = draw(st.lists(st.text(max_size=10), max_size=8))
    ending = draw(st.sampled_from([b"\n", b"\r", b"\r\n"]))
    space = draw(st.sampled_from([b" ", b""]))
    indent = draw(st.sampled_from([None, None, 1]))  # 1: the JSON spread over several data lines
    keep_alive = draw(st.booleans())
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    usage_on = draw(st.sampled_from(["none", "finish", "no choices", "empty delta"]))

    def block(payload: Any) -> bytes:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, indent=indent)
        lines = [b"data:" + space + line.encode() for line in text.split("\n")]
        comment = [b": keep-alive"] if keep_alive and draw(st.booleans()) else []
        return ending.join([*comment, *lines, b"", b""])

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    blocks = [b":" + ending + ending] if keep_alive else []
    blocks.append(block(choice({"role": "assistant", "content": draw(st.sampled_from(["", None]))})))
    blocks += [block(choice({"content": text})) for text in deltas]
    finish = choice({}, "stop")
    if usage_on == "finish":
        finish["usage"] = usage
    blocks.append(block(finish))
    if usage_on == "no choices":
        blocks.append(block({"choices": [], "usage": usage}))
    elif usage_on == "empty delta":
        blocks.append(block({**choice({}), "usage": usage}))
    if draw(st.booleans()):
        blocks.append(block("[DONE]"))
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return ChatStream(bom + b"".join(blocks), "".join(deltas))


@dataclass
class Outcome:
    stdout: bytes
    result: Any


@contextmanager
def stdout_file() -> Iterator[int]:
    with tempfile.TemporaryFile() as file:
        yield file.fileno()


def read_reply(reads: Sequence[bytes], *, json_lines: bool = False) -> Outcome:
    """Run the engine on ``reads`` with stdout a real file; return its bytes and the reply or error."""
    with stdout_file() as fd:
        reader = ReplyReader(Output(fd=fd), json_lines=json_lines, keep_text=True)
        try:
            reply = reader.read_events(iter(reads))
            result: Any = (reply.finish_reason, reply.usage, reply.done, "".join(reply.text))
        except SacliError as error:
            result = (type(error).__name__, error.message)
        os.lseek(fd, 0, os.SEEK_SET)
        return Outcome(os.read(fd, 1 << 24), result)


@PROPERTY
@given(stream=chat_streams(), data=st.data())
def test_stdout_is_the_same_however_a_chat_stream_is_split(stream: ChatStream, data: st.DataObject) -> None:
    whole = read_reply([stream.body])
    assert whole.stdout == stream.text.encode()
    assert whole.result[0] == "stop" and whole.result[3] == stream.text
    assert read_reply(data.draw(reads_of(stream.body))) == whole


@PROPERTY
@given(stream=chat_streams(), data=st.data())
def test_json_lines_are_the_same_however_a_chat_stream_is_split(stream: ChatStream, data: st.DataObject) -> None:
    whole = read_reply([stream.body], json_lines=True)
    *lines, last = whole.stdout.split(b"\n")  # JSON lines end at LF only (U+0085 or U+2028 may be in them)
    assert last == b"" and all(isinstance(json.loads(line), dict) for line in lines)
    assert read_reply(data.draw(reads_of(stream.body)), json_lines=True) == whole


@PROPERTY
@given(stream=chat_streams(), data=st.data())
def test_a_stream_cut_anywhere_ends_the_same_however_it_is_split(stream: ChatStream, data: st.DataObject) -> None:
    # The connection closes at a random byte: what was complete is on stdout, then either the
    # reply is complete or the stream ended early, never anything else.
    cut = stream.body[: data.draw(st.integers(0, len(stream.body)))]
    whole = read_reply([cut])
    assert stream.text.encode().startswith(whole.stdout)
    assert whole.result[0] in ("stop", "NetworkError")
    assert read_reply(data.draw(reads_of(cut))) == whole


# Every boundary of short streams


SPEC_EXAMPLE = (
    b": test stream\r\n\r\ndata: first event\r\nid: 1\r\n\r\ndata:second event\r\nid\r\n\r\ndata:  third event\r\n\r\n"
)
SHORT_CHAT = (
    b'\xef\xbb\xbf: ping\r\n\r\ndata: {"choices":[{"delta":{"content":"h\xc3\xa9"}}]}\r\n\r\n'
    b'data:{"choices":[{"delta":{"content":"\xf0\x9d\x84\x9e!"},\r\ndata: "finish_reason":"stop"}]}\r\r'
    b"data: [DONE]\n\n"
)


def test_every_one_and_two_cuts_of_the_spec_example_give_the_same_events() -> None:
    expected = parse([SPEC_EXAMPLE])
    assert [e.data for e in expected] == ["first event", "second event", " third event"]
    n = len(SPEC_EXAMPLE)
    for i in range(n + 1):
        assert parse(split_at(SPEC_EXAMPLE, [i, i])) == expected, i  # with an empty read at the cut
        for j in range(i, n + 1):
            assert parse(split_at(SPEC_EXAMPLE, [i, j])) == expected, (i, j)
    assert parse([SPEC_EXAMPLE[i : i + 1] for i in range(n)]) == expected


def test_every_cut_of_a_short_chat_stream_gives_the_same_stdout() -> None:
    whole = read_reply([SHORT_CHAT])
    assert whole.stdout == "hé𝄞!".encode()
    assert whole.result == ("stop", None, True, "hé𝄞!")
    n = len(SHORT_CHAT)
    for i in range(n + 1):
        assert read_reply(split_at(SHORT_CHAT, [i, i])) == whole, i  # with an empty read at the cut
    for i in range(0, n + 1, 3):
        for j in range(i, n + 1, 5):
            assert read_reply(split_at(SHORT_CHAT, [i, j])) == whole, (i, j)
    assert read_reply([SHORT_CHAT[i : i + 1] for i in range(n)]) == whole
