"""Showing records on stdout: a table on a terminal, tab-separated lines off it, or JSON.

Off a terminal each record is one line of tab-separated fields, no header and no colour, so
``cut`` and ``awk`` can read it; tabs and newlines inside a field become spaces.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from sacli.term.stdout import Output, escape_controls

Column = tuple[str, str, Callable[[Any], str] | None]  # (key, title, how to show it on a terminal)


def tsv_field(value: Any) -> str:
    if value is None:
        return ""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False)
        if isinstance(value, (dict, list))
        else str(value)
    )
    return " ".join(text.split("\t")).replace("\r", " ").replace("\n", " ")


def emit_json(out: Output, value: Any) -> None:
    out.write_line(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def failure(error: BaseException | None) -> dict[str, Any] | None:
    """An item's error as a JSON record carries it: ``{"message", "exit_code"}``, or None."""
    if error is None:
        return None
    message = getattr(error, "message", None) or str(error)
    return {"message": message, "exit_code": int(getattr(error, "exit_code", 1))}


def deletion(
    item_id: str, *, deleted: bool, response: Any = None, error: BaseException | None = None
) -> dict[str, Any]:
    """One JSON Lines record of a delete: whether it was deleted, the server's reply, the error if any."""
    return {"id": item_id, "deleted": deleted, "response": response, "error": failure(error)}


def emit_list(
    out: Output,
    records: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    json: bool,
    empty: str,
    shown: Any = None,
    free: str | Sequence[str] = (),
) -> list[str]:
    """A listing: with ``json`` one JSON array of the records as the API sent them (``[]`` when empty);
    else a table or TSV of ``shown`` (the records as the columns name their fields), and on a
    terminal a notice (``empty``) when there is nothing to list. ``free``: see emit_records.
    Returns the headings of the columns a terminal too narrow left out."""
    if json:
        emit_json(out, list(records))
        return []
    if not records:
        from sacli.term.stderr import MESSAGES

        if MESSAGES.stderr_is_terminal:
            MESSAGES.notice(empty)
        return []
    return emit_records(out, records if shown is None else shown, columns, free=free)


def emit_records(
    out: Output,
    records: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str = "",
    free: str | Sequence[str] = (),
    wrap: bool = False,
    keep_end: Sequence[str] = (),
) -> list[str]:
    """The records as a table on a terminal, else as TSV; the headings of the columns a terminal too
    narrow left out.

    ``free`` names the columns of long free text (a title, a content, a file name): on a
    terminal they share the room the others leave (sacli.term.tablewidths), their text cut with
    "…" at its end (at its start for the columns ``keep_end`` names, paths), or with ``wrap``
    (a view of one record) wrapped over as many lines as it takes."""
    if not records:
        return []
    if not out.is_terminal:
        out.write("".join("\t".join(tsv_field(r.get(key)) for key, _, _ in columns) + "\n" for r in records))
        return []
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from sacli.term.statusline import fit
    from sacli.term.tablewidths import column_widths

    # The API's text is escaped here, cell by cell; rich's own escape sequences (bold, colour)
    # then go to the terminal as they are.
    cell = escape_controls if out.escape else str
    rows = [
        [cell(show(record.get(key)) if show else tsv_field(record.get(key))) for key, _, show in columns]
        for record in records
    ]
    console = Console(file=_TextOut(out), force_terminal=True, no_color=bool(os.environ.get("NO_COLOR")))
    keys = [key for key, _, _ in columns]
    headings = [heading for _, heading, _ in columns]
    free_keys = {free} if isinstance(free, str) else set(free)
    texts = {n for n, key in enumerate(keys) if key in free_keys and n > 0}
    widths = column_widths(headings, rows, texts, console.width)
    # The first column (an ID) is never cut, folded only when it alone is wider than the
    # terminal; with ``wrap`` the free text is wrapped too. Every other cell stays on one line.
    wrapped = {0, *(texts if wrap else ())}
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for number in widths:
        table.add_column(headings[number], width=widths[number], overflow="fold" if number in wrapped else "ellipsis")
    for row in rows:
        table.add_row(
            *(
                Text(row[n], overflow="fold")
                if n in wrapped
                else Text(fit(row[n], widths[n], keep_end=keys[n] in keep_end), no_wrap=True)
                for n in widths
            )
        )
    console.print(table, markup=False, highlight=False, emoji=False)
    left_out = [heading for number, heading in enumerate(headings) if number not in widths and heading]
    if left_out:
        from sacli.term.stderr import MESSAGES

        MESSAGES.notice(f"{', '.join(left_out)} left out: the terminal is too narrow")
    return left_out


class _TextOut:
    """A file-like adapter so rich writes through ``Output`` (EPIPE handling); the cells are escaped already."""

    def __init__(self, out: Output) -> None:
        self._out = out

    def write(self, text: str) -> int:
        escape, self._out.escape = self._out.escape, False
        try:
            self._out.write(text)
        finally:
            self._out.escape = escape
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._out.fd
