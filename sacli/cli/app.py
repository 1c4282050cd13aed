"""The Typer application: the command tree, and nothing that runs a command.

Importing this module imports typer and the command signatures only; shell completion and
``--version`` stop here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sacli import __version__
from sacli.cli.lazygroup import COMMANDS, NESTED, CommandSpec, LazyGroup

# Commands load when used; their one-line help is here so that listing and completing them
# imports none of them (a test checks these lines against the commands' own help).
COMMANDS.update(
    stream=CommandSpec(
        "sacli.commands.stream:stream", "Stream a reply: each piece of text goes to stdout the moment it arrives."
    ),
    chat=CommandSpec(
        "sacli.commands.chat:chat",
        "Chat: print the whole reply once it has arrived, or hold a conversation on a terminal.",
    ),
    batch=CommandSpec(
        "sacli.commands.batch:batch_app",
        "Answer many prompts: JSON Lines in, one JSON line per answer out, as each completes.",
    ),
    sessions=CommandSpec(
        "sacli.commands.sessions:sessions_app", "Manage the server-side conversation sessions (the Memory API)."
    ),
    upload=CommandSpec(
        "sacli.commands.upload:upload", "Upload files to the knowledge base searched with --rag, one request per file."
    ),
    files=CommandSpec("sacli.commands.files:files", "List, update and delete the files of the knowledge base."),
    facts=CommandSpec(
        "sacli.commands.facts:facts_app",
        "List, add, search, update and delete the user-memory facts (--user-memory injects them).",
    ),
    memory=CommandSpec(
        "sacli.commands.memory:memory_app",
        "Memory analytics: the facts by category, level and source, a timeline, storage, the facts read most.",
    ),
    models=CommandSpec(
        "sacli.commands.models:models_app",
        "List the models the server offers, or show one: context, prices, parameters, reasoning and expiry.",
    ),
    examples=CommandSpec(
        "sacli.commands.examples:examples_app",
        "The recorded runs that ship with sacli, to try it with --replay: no key, no network.",
    ),
    logs=CommandSpec(
        "sacli.commands.logs:logs_app", "The exchanges sacli has logged: what was asked, what came back, what it cost."
    ),
    usage=CommandSpec(
        "sacli.commands.usage:usage",
        "What the logged exchanges cost: spend and tokens by day, model, tag or session, drawn to scale.",
    ),
    credits=CommandSpec(
        "sacli.commands.credits:credits",
        "The key's spending limit, what remains, and its usage today, this week and this month.",
    ),
    schema=CommandSpec(
        "sacli.commands.schema:schema", "Print the JSON Schema of --events (events) or of a batch record (batch)."
    ),
    config=CommandSpec(
        "sacli.commands.config:config_app", "Show the settings and where each came from, or the config file's path."
    ),
)
NESTED.update(summary="batch summary")

app = typer.Typer(
    cls=LazyGroup,
    name="sacli",
    help="A Unix-style client for the Super Agent Stack chat API: answers on stdout, everything else on stderr.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
