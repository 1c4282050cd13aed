"""--help as plain text, with each option under its panel (Model, Memory, Connection...).

Typer draws help with rich when rich_markup_mode is set; sacli sets none, so help goes through
click's own formatter, which imports nothing more (a --help starts as fast as --version) and
wraps to the terminal without ever cutting a word. The panels the options name are kept as
sections, as the man page has them.
"""

from __future__ import annotations

from collections.abc import Iterable

from typer._click import Context, HelpFormatter, Parameter
from typer.core import TyperCommand, TyperGroup

UNNAMED = "Options"


def option_panels(params: Iterable[Parameter]) -> dict[str, list[Parameter]]:
    """The visible options by panel, in the order they first appear; the unnamed panel first."""
    panels: dict[str, list[Parameter]] = {}
    for param in params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        panels.setdefault(getattr(param, "rich_help_panel", None) or UNNAMED, []).append(param)
    return dict(sorted(panels.items(), key=lambda item: item[0] != UNNAMED))


def format_options(params: list[Parameter], ctx: Context, formatter: HelpFormatter) -> None:
    arguments = [record for p in params if p.param_type_name == "argument" if (record := p.get_help_record(ctx))]
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    for title, options in option_panels(params).items():
        records = [record for option in options if (record := option.get_help_record(ctx))]
        if records:
            with formatter.section(title):
                formatter.write_dl(records)


class PanelledCommand(TyperCommand):
    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        format_options(self.get_params(ctx), ctx, formatter)


class PanelledGroup(TyperGroup):
    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        format_options(self.get_params(ctx), ctx, formatter)
        self.format_commands(ctx, formatter)
