"""The user's files, read within bounds: a whole file up to a size, or line by line with each line bounded.

Whatever the file is (a device such as /dev/zero, a FIFO that never ends, a huge log), sacli
holds at most the bound given of it: a file over its bound is a ``TooLarge``, a line over its
bound is reported in its place and the rest of it is skipped, never held.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

PIECE = 1 << 16


class TooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"it is larger than {size_words(limit)}")
        self.limit = limit


def size_words(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


def read_bounded(path: str, limit: int) -> bytes:
    """The whole of ``path``; ``TooLarge`` past ``limit`` bytes (OSError as ``open`` raises it)."""
    with open(path, "rb") as file:
        return read_stream(file, limit)


def read_stream(file: BinaryIO, limit: int) -> bytes:
    data = file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data


class Line(NamedTuple):
    number: int  # from 1
    data: bytes | None  # without its line end; None when the line was over the bound


class NoLineEnd(ValueError):
    """So far past the bound without a line end that the input is no text of lines (``/dev/zero``)."""


def bounded_lines(file: BinaryIO, limit: int, *, give_up: int | None = None) -> Iterator[Line]:
    """Each line of ``file`` (ended by LF, CRLF or the end of the file), at most ``limit`` bytes of it held.

    A line over ``limit`` is reported (``data`` None) as soon as it passes it, and the rest of it
    skipped; after ``give_up`` bytes (16 times ``limit`` unless given) with no line end,
    ``NoLineEnd`` is raised.
    """
    give_up = 16 * limit if give_up is None else give_up
    number = 0
    held = bytearray()
    skipped = -1  # bytes of a line over the bound passed over so far; -1 while within it
    # read1: what a pipe has now, so that each line is seen when it comes, not once PIECE bytes have
    read = getattr(file, "read1", file.read)
    while piece := read(PIECE):
        start = 0
        while start < len(piece):
            end = piece.find(b"\n", start)
            stop = len(piece) if end < 0 else end
            if skipped < 0:
                held += piece[start:stop]
                if len(held) > limit:
                    held.clear()
                    skipped = 0
                    yield Line(number + 1, None)
            else:
                skipped += stop - start
                if skipped > give_up:
                    within = size_words(give_up)
                    raise NoLineEnd(f"line {number + 1} has no end within {within}: it is not text of lines")
            if end < 0:
                break
            number += 1
            if skipped < 0:
                yield Line(number, bytes(held.removesuffix(b"\r")))
            held.clear()
            skipped = -1
            start = end + 1
    if held:
        yield Line(number + 1, bytes(held.removesuffix(b"\r")))
