"""The Typer application: the command tree, and nothing that runs a command.

Importing this module imports typer and the command signatures only; shell completion and
``--version`` stop here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sacli import __version__
from sacli.commands.files import files
from sacli.commands.stream import stream
from sacli.commands.upload import upload

app = typer.Typer(
    name="sacli",
    help="A Unix-style client for the Super Agent Stack chat API: answers on stdout, everything else on stderr.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sacli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """A Unix-style client for the Super Agent Stack chat API: answers on stdout, everything else on stderr."""


app.command("stream")(stream)
app.command("upload")(upload)
app.add_typer(files, name="files")
