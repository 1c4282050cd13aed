"""The live view of --markdown renders only the last blocks, and shows what the whole render would."""

from __future__ import annotations

import random

import pyte
import pytest

from sacli.term.markdown import BlockStarts, live_view, redraw, render
from tests.support.screen import TmuxScreen

SAMPLE = """\
# Title

Intro paragraph with **bold** and `code`, long enough to wrap around the terminal width at forty columns.

## Steps

1. first step
2. second step

3. third step, in a loose list
4. fourth

- bullet
  continued line

  indented paragraph inside the item
- another bullet

```python
def f():

    return 1

x = f()
```

> a quote
> over two lines

| a | b |
|---|---|
| 1 | 2 |

~~~~
a fence of tildes with ``` inside

~~~~

Final words.

---

Last paragraph.
"""


def whole_tail(text: str, columns: int, rows: int) -> list[str]:
    lines = render(text, columns).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines[-(rows - 1) :]


@pytest.mark.parametrize(("columns", "rows"), [(40, 5), (80, 8), (80, 15), (120, 40)])
def test_at_every_line_the_live_view_is_the_end_of_the_whole_render(columns: int, rows: int) -> None:
    ends = [n + 1 for n, char in enumerate(SAMPLE) if char == "\n"]
    for end in ends:
        text = SAMPLE[:end]
        blocks = BlockStarts()
        blocks.scan(text)
        assert live_view(text, blocks, columns, rows) == whole_tail(text, columns, rows), text[-80:]


def test_block_starts_skip_fences_indented_lines_and_follow_the_text_as_it_grows() -> None:
    whole = BlockStarts()
    whole.scan(SAMPLE)
    starts = [SAMPLE[offset:].split("\n", 1)[0] for offset in whole.offsets]
    assert "x = f()" not in starts and "  indented paragraph inside the item" not in starts
    assert "a fence of tildes with ``` inside" not in starts and "~~~~" in starts
    assert {"## Steps", "3. third step, in a loose list", "```python", "Final words."} <= set(starts)

    pieces, grown, rng = BlockStarts(), "", random.Random(7)
    while len(grown) < len(SAMPLE):
        grown = SAMPLE[: len(grown) + rng.randint(1, 12)]
        pieces.scan(grown)
    assert pieces.offsets == whole.offsets


def test_a_render_while_streaming_covers_the_last_blocks_only() -> None:
    long_reply = "".join(f"Paragraph {n} of a long reply.\n\n" for n in range(2000))
    blocks = BlockStarts()
    blocks.scan(long_reply)
    index = blocks.tail_start(long_reply, 19)
    assert len(long_reply) - blocks.offsets[index] < 400  # ten paragraphs, not two thousand
    assert live_view(long_reply, blocks, 80, 20)[-1].strip() == "Paragraph 1999 of a long reply."


@pytest.mark.parametrize("start_row", [0, 3])
@pytest.mark.parametrize(("before", "after"), [(0, 4), (4, 4), (6, 2), (5, 0), (3, 7)])
@pytest.mark.parametrize("final", [False, True], ids=["live", "final"])
def test_a_redraw_replaces_the_live_area_in_place_and_keeps_nothing_in_the_scrollback(
    start_row: int, before: int, after: int, final: bool
) -> None:
    screen = TmuxScreen(30, 12)
    stream = pyte.ByteStream(screen)
    stream.feed(b"earlier\r\n" * start_row)
    old = [f"old line {n}" for n in range(before)]
    new = [f"new {n}" for n in range(after)]
    for text in (redraw(old, 0, final=False), redraw(new, before, final=final)):
        stream.feed(text.replace("\n", "\r\n").encode())  # as the terminal's driver sends it on
    shown = [line.rstrip() for line in screen.display]
    assert shown == ["earlier"] * start_row + new + [""] * (12 - start_row - after)
    assert list(screen.history.top) == []  # nothing was erased whole (tmux would keep it)
    expected_row = start_row + (after if final else max(after - 1, 0))
    assert screen.cursor.y == expected_row
    assert screen.cursor.x == (0 if final or not new else len(new[-1]))
