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


def emit_records(out: Output, records: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str = "") -> None:
    if not records:
        return
    if not out.is_terminal:
        out.write("".join("\t".join(tsv_field(r.get(key)) for key, _, _ in columns) + "\n" for r in records))
        return
    from rich.console import Console
    from rich.table import Table

    # The API's text is escaped here, cell by cell; rich's own escape sequences (bold, colour)
    # then go to the terminal as they are.
    cell = escape_controls if out.escape else str
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for _, heading, _ in columns:
        table.add_column(heading, overflow="fold")
    for record in records:
        table.add_row(
            *(cell(show(record.get(key)) if show else tsv_field(record.get(key))) for key, _, show in columns)
        )
    console = Console(file=_TextOut(out), force_terminal=True, no_color=bool(os.environ.get("NO_COLOR")))
    console.print(table, markup=False, highlight=False, emoji=False)


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
