"""sacli files: list and delete the files of the RAG knowledge base."""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.options import ConnectionOptions, options

FILTER_PANEL = "Filters"

files = typer.Typer(
    name="files",
    help="List and delete the files of the knowledge base.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@files.command("list")
@options(conn=ConnectionOptions)
def list_(
    *,
    category: Annotated[
        str | None,
        typer.Option("--category", help="Only files of this category.", rich_help_panel=FILTER_PANEL),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only files with this tag (repeatable).", rich_help_panel=FILTER_PANEL),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only files in this status, e.g. processed.", rich_help_panel=FILTER_PANEL),
    ] = None,
    json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Write each file as the server describes it, one JSON document per line.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """List the uploaded files.

    On a terminal a table; off it one line per file and no header: ID, file name, status,
    size in bytes and upload time, separated by tabs.
    """
    from sacli.knowledge import run_list

    run_list(category=category, tags=tuple(tag or ()), status=status, json=json, conn=conn)


@files.command("delete")
@options(conn=ConnectionOptions)
def delete(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="File IDs, as 'sacli files list' shows them.")],
    *,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Do not ask; required when there is no terminal to ask on."),
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """Delete files and their search chunks; stdout gets each deleted ID."""
    from sacli.knowledge import run_delete

    run_delete(ids, yes=yes, conn=conn)
