"""How wide each column of a table on a terminal is, and which columns are left out.

Each column is as wide as its widest cell or heading. The first (an ID, what a user copies) is
always shown whole, folded only when it alone is wider than the terminal. Short columns (dates,
counts, statuses, categories) keep their width. The free-text columns (a title, a content, a
file name) share the room the others leave, each cut when it has less than its text.

While the columns do not fit, or leave a free-text column fewer than FREE_WANTS cells, the last
short column is left out, then the one before it, then the last free-text one but one; the one
left is shown with the room there is, from FREE_AT_LEAST cells.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sacli.term.statusline import cells

FREE_WANTS = 12  # short columns are left out to give a free-text column this many cells (or all its text)
FREE_AT_LEAST = 6  # with fewer cells than this, a free-text column is left out too
SHORT_AT_MOST = 40  # a short column wider than this (a server's surprise) is cut too
EDGES = 3  # each column's border and padding; the table's left border is one more


def column_widths(
    headings: Sequence[str], rows: Sequence[Sequence[str]], free: Collection[int], width: int
) -> dict[int, int]:
    """The columns shown, by number, with their widths, for a table ``width`` cells wide;
    ``free`` are the numbers of the free-text columns."""
    natural = [max([cells(heading), *(cells(row[n]) for row in rows)]) for n, heading in enumerate(headings)]
    for number, heading in enumerate(headings):
        if number != 0 and number not in free:
            natural[number] = min(natural[number], max(SHORT_AT_MOST, cells(heading)))
    shown = list(range(len(headings)))
    while True:
        short = [n for n in shown if n != 0 and n not in free]
        texts = [n for n in shown if n in free]
        fixed = 1 + sum(natural[n] + EDGES for n in shown if n not in free)
        shares = share(width - fixed - EDGES * len(texts), [natural[n] for n in texts])
        floor = FREE_WANTS if short or len(texts) > 1 else FREE_AT_LEAST
        if texts:
            fits = all(got >= min(natural[n], floor) for n, got in zip(texts, shares, strict=True))
        else:
            fits = fixed <= width or not short
        if fits:
            widths = {n: natural[n] for n in shown} | dict(zip(texts, shares, strict=True))
            widths[0] = min(widths[0], max(width - 1 - EDGES, 1))  # an ID wider than the terminal is folded
            return widths
        shown.remove(short[-1] if short else texts[-1])


def share(room: int, wanted: Sequence[int]) -> list[int]:
    """``room`` cells shared by columns that want ``wanted`` cells: the narrow ones get what they
    want, the others an even share of what is left."""
    given = [0] * len(wanted)
    left = room
    for turn, number in enumerate(sorted(range(len(wanted)), key=lambda n: wanted[n])):
        given[number] = min(wanted[number], left // (len(wanted) - turn))
        left -= given[number]
    return given
