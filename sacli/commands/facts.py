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

from sacli.cli.helpformat import PanelledCommand, PanelledGroup
from sacli.cli.options import OUTPUT_PANEL, ConnectionOptions, options

facts_app = typer.Typer(
    help="List, add, search, update and delete the user-memory facts (--user-memory injects them).",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=PanelledGroup,
)

Json = Annotated[
    bool,
    typer.Option(
        "--json", help="Write the API's JSON instead of text.", rich_help_panel=OUTPUT_PANEL, show_default=False
    ),
]
Category = Annotated[
    str | None, typer.Option("--category", metavar="NAME", help="The fact's category, e.g. preference.")
]
Level = Annotated[str | None, typer.Option("--level", metavar="user|session", help="The fact's level.")]


@facts_app.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    *,
    category: Category = None,
    level: Level = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N", min=1, help="How many facts at most.")] = 50,
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
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The fact, e.g. 'Prefers short answers'.")],
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
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for, in words.")],
    *,
    top_k: Annotated[int, typer.Option("--top-k", metavar="K", min=1, help="How many facts at most (topK).")] = 5,
    threshold: Annotated[
        float, typer.Option("--threshold", metavar="T", min=0, max=1, help="The lowest similarity, 0 to 1 (threshold).")
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
    fact_id: Annotated[str, typer.Argument(metavar="ID", help="The fact's ID.", show_default=False)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Its new content.", show_default=False)],
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

        emit_records(Output(), [{"id": fact_id, **fact}], FACT_COLUMNS)


@facts_app.command("delete", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def delete(
    fact_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="The facts to delete.", show_default=False)],
    *,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (required without a terminal).", show_default=False)
    ] = False,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Delete facts; prints each deleted ID on its own line.

    On a terminal it asks first; without one it needs --yes. Missing facts are reported at the
    end (exit 5) after the others are deleted.
    """
    from sacli.api.client import require_ids

    ids = require_ids(fact_ids, "fact")
    run_delete(conn, ids, yes=yes, json=json)


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

    emit_list(Output(), records, columns, json=json, empty=empty)


def run_delete(conn: ConnectionOptions, ids: list[str], *, yes: bool, json: bool) -> None:
    from sacli.api.facts import FactNotFound, delete_fact
    from sacli.commands.support.deleting import delete_each

    delete_each(_connect(conn), ids, delete=delete_fact, not_found=FactNotFound, what="fact", yes=yes, json=json)


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
