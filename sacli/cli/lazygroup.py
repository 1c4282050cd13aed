"""The root command group, whose commands are imported and built only when needed.

Running ``sacli stream`` imports the stream command alone, and completing ``sacli st`` imports
no command at all: names and one-line help come from the table in ``sacli.cli.app``.
"""

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, NamedTuple

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import UsageError
from typer._click.shell_completion import CompletionItem

from sacli.cli.helpformat import PanelledCommand, PanelledGroup, write_commands


class CommandSpec(NamedTuple):
    target: str  # "module:attribute": a command function or a Typer sub-app
    short_help: str


COMMANDS: dict[str, CommandSpec] = {}
NESTED: dict[str, str] = {}  # a word that is no command here but one of a group's: "summary" -> "batch summary"


def build(name: str, spec: CommandSpec) -> Command:
    module_name, _, attribute = spec.target.partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name, cls=PanelledCommand)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyCommands(MutableMapping[str, Command]):
    def __init__(self) -> None:
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            self._built[name] = build(name, COMMANDS[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS


class LazyGroup(PanelledGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands()

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The commands and their one-line help from the table: ``sacli --help`` builds none of them."""
        write_commands(formatter, [(name, spec.short_help) for name, spec in COMMANDS.items()])

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            if args and args[0] in NESTED:
                exc.message = f"No such command {args[0]!r}. Did you mean 'sacli {NESTED[args[0]]}'?"
            raise

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        names = [
            CompletionItem(name, help=spec.short_help) for name, spec in COMMANDS.items() if name.startswith(incomplete)
        ]
        return names + Command.shell_complete(self, ctx, incomplete)
