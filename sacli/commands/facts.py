"""sacli facts: the user-memory facts that --user-memory injects: list, add, search, update, delete.

The conventions of ``sacli sessions``: a table on a terminal, tab-separated lines off it (no
header, values as the API sent them), and with ``--json`` one array for list and search, the
object for add and update, one JSON line per ID for delete. IDs are checked before anything is
sent; delete asks first on a terminal, needs ``--yes`` without one, and reports missing facts
(exit 5) after deleting the others.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import TEXT, ConnectionOptions, Json, Number, flag, options
from sacli.commands.support.deleting import delete_command

facts_app = command_group("List, add, search, update and delete the user-memory facts (--user-memory injects them).")

Category = Annotated[
    str | None, flag("--category", help="The fact's category, e.g. preference.", metavar="NAME", click_type=TEXT)
]
Level = Annotated[str | None, flag("--level", help="The fact's level.", metavar="user|session", click_type=TEXT)]


@facts_app.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    *,
    category: Category = None,
    level: Level = None,
    limit: Annotated[
        int,
        flag(
            "--limit", help="How many facts at most.", metavar="N", click_type=Number(1, whole=True), show_default=True
        ),
    ] = 50,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """List the facts, page after page up to --limit.

    Off a terminal one line per fact: ID, content, category, level, createdAt, separated by tabs.
    """
    from sacli.api.facts import list_facts

    check_level(level)
    with _connect(conn) as api:
        facts = list_facts(api, limit=limit, category=category, level=level)
    show_list(facts, FACT_COLUMNS, json=json, empty="no facts")


@facts_app.command("add", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def add(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The fact, e.g. 'Prefers short answers'.", click_type=TEXT)
    ],
    *,
    category: Category = None,
    level: Level = None,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Add a fact and print only its new ID (the API's object with --json)."""
    from sacli.api.facts import add_fact

    check_level(level)
    check_text(text)
    with _connect(conn) as api:
        fact = add_fact(api, text, category=category, level=level)
    _write(fact, json=json, text=str(fact["id"]))


@facts_app.command("search", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for, in words.", click_type=TEXT)],
    *,
    top_k: Annotated[
        int,
        flag(
            "--top-k",
            help="How many facts at most (topK).",
            metavar="K",
            click_type=Number(1, whole=True),
            show_default=True,
        ),
    ] = 5,
    threshold: Annotated[
        float,
        flag(
            "--threshold",
            help="The lowest similarity (threshold).",
            metavar="T",
            click_type=Number(0, 1),
            show_default=True,
        ),
    ] = 0.7,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Find the facts closest to QUERY, with their scores.

    Off a terminal one line per fact: ID, score, content, category, separated by tabs.
    """
    from sacli.api.facts import search_facts

    check_text(query)
    with _connect(conn) as api:
        found = search_facts(api, query, top_k=top_k, threshold=threshold)
    show_list(found, SEARCH_COLUMNS, json=json, empty="no facts match")


@facts_app.command("update", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def update(
    fact_id: Annotated[str, typer.Argument(metavar="ID", help="The fact's ID.", show_default=False, click_type=TEXT)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Its new content.", show_default=False, click_type=TEXT)],
    *,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Give a fact new content; prints it as list does (the API's object with --json)."""
    from sacli.api.client import require_ids
    from sacli.api.facts import update_fact

    require_ids([fact_id], "fact")
    check_text(text)
    with _connect(conn) as api:
        reply = update_fact(api, fact_id, text)
    fact = reply if isinstance(reply, dict) and reply else {"id": fact_id, "content": text}
    if json:
        _write(fact, json=True, text="")
    else:
        from sacli.term.stdout import Output
        from sacli.term.tables import emit_records

        emit_records(Output(), [{"id": fact_id, **fact}], FACT_COLUMNS, free="content")


def _fact_calls() -> tuple[Any, Any]:
    from sacli.api.facts import FactNotFound, delete_fact

    return delete_fact, FactNotFound


facts_app.command("delete", cls=PanelledCommand)(delete_command("fact", "", _fact_calls))


# What the commands do


def human_score(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _time(value: Any) -> str:
    from sacli.term.timefmt import human_time

    return human_time(value)


FACT_COLUMNS = [
    ("id", "ID", None),
    ("content", "Content", None),
    ("category", "Category", None),
    ("level", "Level", None),
    ("createdAt", "Created", _time),
]
SEARCH_COLUMNS = [
    ("id", "ID", None),
    ("score", "Score", human_score),
    ("content", "Content", None),
    ("category", "Category", None),
]


def check_level(level: str | None) -> None:
    from sacli.api.facts import LEVELS
    from sacli.errors import UsageError

    if level is not None and level not in LEVELS:
        raise UsageError(f"--level must be user or session, got {level!r}")


def check_text(text: str) -> None:
    from sacli.errors import UsageError

    if not text.strip():
        raise UsageError("the text is empty")


def show_list(records: list[dict[str, Any]], columns: list[Any], *, json: bool, empty: str) -> None:
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_list

    emit_list(Output(), records, columns, json=json, empty=empty, free="content")


def _connect(conn: ConnectionOptions) -> Any:
    from sacli.commands.support.connect import connect

    return connect(conn)


def _write(record: dict[str, Any], *, json: bool, text: str) -> None:
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json, tsv_field

    out = Output()
    if json:
        emit_json(out, record)
    else:
        out.write_line(tsv_field(text))
