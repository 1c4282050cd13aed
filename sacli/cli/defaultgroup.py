"""A command group that runs one of its commands when no command is named.

``sacli models`` lists and ``sacli models show ID`` shows one: the words after the group's name
go to the default command (``list``) unless the first names another command, so ``sacli models
claude --json`` is ``sacli models list claude --json``. The group's own ``--help`` lists its
commands; a search for a word that is a command's name is spelled with the default command's
name (``sacli models list show``).
"""

from __future__ import annotations

from typer._click import Context

from sacli.cli.helpformat import PanelledGroup


class DefaultGroup(PanelledGroup):
    default_command = "list"

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        completing = ctx.resilient_parsing and not args  # TAB after the group's name: offer its commands
        named = bool(args) and (args[0] in self.commands or args[0] in ctx.help_option_names)
        if not (completing or named):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        """``[COMMAND] [ARGS]...``: the command may be left out."""
        return ["[COMMAND]", "[ARGS]..."]
