"""sacli models: the models the server offers, with their context length and prices.

Off a terminal one line per model: ID, context length, and the prompt and completion prices of
a million tokens, separated by tabs; a table on a terminal; ``--json`` one array of the models
as the server describes them. SEARCH keeps the models whose ID or name holds it (any case).
The list is kept for a day (``$XDG_CACHE_HOME/sacli/models.json``), and ``-m`` completes model
IDs from it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sacli.cli.options import TEXT, ConnectionOptions, Json, flag, options


@options(conn=ConnectionOptions)
def models(
    search: Annotated[
        str | None, typer.Argument(metavar="[SEARCH]", help="Only models whose ID or name holds this.", click_type=TEXT)
    ] = None,
    *,
    refresh: Annotated[
        bool, flag("--refresh", help="Ask the server even when the list kept for a day is fresh.")
    ] = False,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """List the models the server offers: ID, context length, prompt and completion price per million tokens."""
    from sacli.chat.prices import known_models
    from sacli.commands.support.connect import connect
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_list

    api = connect(conn)
    with api:
        found = known_models(api, refresh=refresh)
    if search:
        needle = search.lower()
        found = [m for m in found if needle in m["id"].lower() or needle in str(m.get("name", "")).lower()]
    rows = [row(model) for model in found]
    emit_list(
        Output(), found, COLUMNS, json=json, empty="no models" + (f" match {search!r}" if search else ""), shown=rows
    )


def row(model: dict[str, Any]) -> dict[str, Any]:
    from sacli.api.models import price_per_million

    return {
        "id": model["id"],
        "context_length": model.get("context_length"),
        "prompt": price_per_million(model, "prompt"),
        "completion": price_per_million(model, "completion"),
    }


COLUMNS = [
    ("id", "ID", None),
    ("context_length", "Context", None),
    ("prompt", "Prompt $/M", None),
    ("completion", "Completion $/M", None),
]
