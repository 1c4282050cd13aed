"""Command groups that run one of their commands when no command is named.

``sacli models`` lists and ``sacli models show ID`` shows one: the words after the group's name
go to the default command (``list``) unless the first names another command, so ``sacli models
claude --json`` is ``sacli models list claude --json``. The group's own ``--help`` lists its
commands; a search for a word that is a command's name is spelled with the default command's
name (``sacli models list show``).

``sacli batch [OPTIONS] [FILE]`` answers prompts and ``sacli batch summary [FILE]...`` compares
records: there the default command has no name a user types (``ImpliedGroup``). Only the other
commands' names are commands, so every other first word stays the default command's (an input
file named like a command is written ``./summary``); the group's ``--help`` is the default
command's, its usage line the group's, with the other commands listed after its options.
"""

from __future__ import annotations

from typer._click import Command, Context, HelpFormatter
from typer._click.shell_completion import CompletionItem

from sacli.cli.helpformat import PanelledCommand, PanelledGroup, summary, write_commands


class DefaultGroup(PanelledGroup):
    default_command = "list"

    def names_a_command(self, ctx: Context, word: str) -> bool:
        return word in self.commands or word in ctx.help_option_names

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        completing = ctx.resilient_parsing and not args  # TAB after the group's name: offer its commands
        if not (completing or (args and self.names_a_command(ctx, args[0]))):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        """``[COMMAND] [ARGS]...``: the command may be left out."""
        return ["[COMMAND]", "[ARGS]..."]


class ImpliedGroup(DefaultGroup):
    """A group whose default command is reached only by naming none (its name is hidden)."""

    default_command = "run"

    def implied(self) -> Command:
        return self.commands[self.default_command]

    def others(self, ctx: Context | None) -> list[tuple[str, Command]]:
        """The commands a user names: every visible one but the default."""
        found = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]  # type: ignore[arg-type]
        return [(name, cmd) for name, cmd in found if cmd is not None and not cmd.hidden]

    def names_a_command(self, ctx: Context, word: str) -> bool:
        return word != self.default_command and word in self.commands

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        """The other commands' names, then what the default command completes (its options, its FILE)."""
        names = [] if incomplete.startswith("-") else [name for name, _ in self.others(ctx)]
        found = [CompletionItem(n, help=summary(self.commands[n])) for n in names if n.startswith(incomplete)]
        command = self.implied()
        sub = command.make_context(self.default_command, [], parent=ctx, resilient_parsing=True)
        return found + command.shell_complete(sub, incomplete)


class ImpliedContext(Context):
    @property
    def command_path(self) -> str:
        """The group's path: usage lines and error hints say ``sacli batch``, never the hidden name."""
        return self.parent.command_path if self.parent is not None else super().command_path


class ImpliedCommand(PanelledCommand):
    """The default command of an ``ImpliedGroup``: its help ends with the group's other commands."""

    context_class = ImpliedContext

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        group = ctx.parent.command if ctx.parent is not None else None
        if isinstance(group, ImpliedGroup):
            write_commands(formatter, [(name, summary(cmd)) for name, cmd in group.others(ctx)])
