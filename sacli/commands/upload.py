"""sacli upload: send files to the RAG knowledge base."""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.options import ConnectionOptions, options

UPLOAD_PANEL = "Upload"


@options(conn=ConnectionOptions)
def upload(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="Files to upload; '-' reads one file from standard input; directories need -r.",
            show_default=False,
        ),
    ],
    *,
    recursive: Annotated[
        bool,
        typer.Option(
            "--recursive",
            "-r",
            help="Upload the files in directories, walking them (hidden names skipped).",
            rich_help_panel=UPLOAD_PANEL,
            show_default=False,
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="FILENAME",
            help="File name for the file read from '-'. [default: stdin]",
            rich_help_panel=UPLOAD_PANEL,
            show_default=False,
        ),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", help="metadata.category of every file.", rich_help_panel=UPLOAD_PANEL, show_default=False
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", help="metadata.tags entry (repeatable).", rich_help_panel=UPLOAD_PANEL, show_default=False
        ),
    ] = None,
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="JSON",
            help="The whole metadata as a JSON object (instead of --category and --tag).",
            rich_help_panel=UPLOAD_PANEL,
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Wait until the server has processed every file (exit 5 if one fails); bounded by --timeout.",
            rich_help_panel=UPLOAD_PANEL,
            show_default=False,
        ),
    ] = False,
    json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Write the server's reply for each file, one JSON document per line.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Off a terminal, report each file's progress on stderr.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    conn: ConnectionOptions,
) -> None:
    """Upload files to the knowledge base searched with --rag, one request per file.

    Every path is checked before anything is sent. stdout gets one line per file: its ID, a
    tab, its path. If an upload fails sacli stops and lists on stderr which files were
    uploaded and which were not.
    """
    from sacli.commands.upload_paths import UploadOptions, run_upload

    opts = UploadOptions(
        recursive=recursive,
        name=name,
        category=category,
        tags=tuple(tag or ()),
        metadata=metadata,
        wait=wait,
        json=json,
        verbose=verbose,
    )
    run_upload(paths, opts=opts, conn=conn)
