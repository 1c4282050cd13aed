"""sacli models: the models the server offers (``list``, the default) and one of them (``show``).

``list``: off a terminal one line per model: ID, context length, and the prompt and completion
prices of a million tokens, separated by tabs; a table on a terminal; ``--json`` one array of the
models as the server describes them. SEARCH keeps the models whose ID or name holds it (any case).
``show ID``: the model's context, prices, supported parameters, reasoning, knowledge cutoff and
expiry; off a terminal one ``field<TAB>value`` line each; ``--json`` the model's object as sent.
The list is kept for a day (``$XDG_CACHE_HOME/sacli/models.json``), and ``-m`` completes model
IDs from it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sacli.cli.defaultgroup import DefaultGroup
from sacli.cli.helpformat import PanelledCommand
from sacli.cli.optiongroup import complete_model
from sacli.cli.options import TEXT, ConnectionOptions, Json, flag, options

models_app = typer.Typer(
    help=(
        "List the models the server offers, or show one: context, prices, parameters, reasoning and expiry.\n\n"
        "Without a command it lists: sacli models [SEARCH] [OPTIONS] is sacli models list [SEARCH] [OPTIONS] "
        "(see sacli models list --help)."
    ),
    rich_markup_mode=None,
    cls=DefaultGroup,
)

Refresh = Annotated[bool, flag("--refresh", help="Ask the server even when the list kept for a day is fresh.")]


@models_app.command("list", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def list_(
    search: Annotated[
        str | None, typer.Argument(metavar="[SEARCH]", help="Only models whose ID or name holds this.", click_type=TEXT)
    ] = None,
    *,
    refresh: Refresh = False,
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


@models_app.command("show", cls=PanelledCommand)
@options(conn=ConnectionOptions)
def show(
    model_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The model's ID, e.g. anthropic/claude-sonnet-4.",
            show_default=False,
            click_type=TEXT,
            autocompletion=complete_model,
        ),
    ],
    *,
    refresh: Refresh = False,
    json: Json = False,
    conn: ConnectionOptions,
) -> None:
    """Show one model: context, prices per million tokens, supported parameters, reasoning, knowledge cutoff, expiry.

    Off a terminal one line per field: its name, a tab, its value. An ID the list does not have is
    a usage error (exit 2) that names the closest IDs it has.
    """
    from sacli.chat.prices import known_models
    from sacli.commands.support.connect import connect
    from sacli.commands.support.modelview import find_model, show_model

    api = connect(conn)
    with api:
        found = known_models(api, refresh=refresh)
    show_model(find_model(found, model_id, refreshed=refresh), json=json)


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
