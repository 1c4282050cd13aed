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
) -> None:
    """A listing: with ``json`` one JSON array of the records as the API sent them (``[]`` when empty);
    else a table or TSV of ``shown`` (the records as the columns name their fields), and on a
    terminal a notice (``empty``) when there is nothing to list."""
    if json:
        emit_json(out, list(records))
        return
    if not records:
        from sacli.term.stderr import MESSAGES

        if MESSAGES.stderr_is_terminal:
            MESSAGES.notice(empty)
        return
    emit_records(out, records if shown is None else shown, columns)


def emit_records(out: Output, records: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str = "") -> None:
    if not records:
        return
    if not out.is_terminal:
        out.write("".join("\t".join(tsv_field(r.get(key)) for key, _, _ in columns) + "\n" for r in records))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # The API's text is escaped here, cell by cell; rich's own escape sequences (bold, colour)
    # then go to the terminal as they are.
    cell = escape_controls if out.escape else str
    rows = [
        [cell(show(record.get(key)) if show else tsv_field(record.get(key))) for key, _, show in columns]
        for record in records
    ]
    console = Console(file=_TextOut(out), force_terminal=True, no_color=bool(os.environ.get("NO_COLOR")))
    # The first column is what a user copies (an ID): never wrapped, never cut. The others
    # follow while each has room for a few characters; those that do not fit are left out.
    widest = max(len(columns[0][1]), *(len(row[0]) for row in rows))
    shown = shown_columns([heading for _, heading, _ in columns], widest, console.width)
    table = Table(title=title or None, show_lines=False, header_style="bold")
    table.add_column(columns[0][1], no_wrap=True, min_width=widest)
    for _, heading, _ in columns[1:shown]:
        table.add_column(heading, overflow="ellipsis")
    for row in rows:
        # Each other cell stays on one line: what does not fit ends in "…".
        table.add_row(row[0], *(Text(value, no_wrap=True, overflow="ellipsis") for value in row[1:shown]))
    console.print(table, markup=False, highlight=False, emoji=False)
    if shown < len(columns):
        from sacli.term.stderr import MESSAGES

        left_out = ", ".join(heading for _, heading, _ in columns[shown:])
        MESSAGES.notice(f"{left_out} left out: the terminal is too narrow")


def shown_columns(headings: Sequence[str], first_width: int, width: int) -> int:
    """How many columns fit in ``width``: the first always, then each while it has room for
    its heading (up to 8 characters, at least 4). A column takes 3 more for its border and padding."""
    room = width - 1 - (first_width + 3)
    count = 1
    for heading in headings[1:]:
        need = min(max(len(heading), 4), 8) + 3
        if room < need:
            break
        room -= need
        count += 1
    return count


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
