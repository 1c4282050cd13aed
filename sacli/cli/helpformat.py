"""--help as plain text, with each option under its panel (Model, Memory, Connection...).

Typer draws help with rich when rich_markup_mode is set; sacli sets none, so help goes through
click's own formatter, which imports nothing more (a --help starts as fast as --version) and
wraps to the terminal without ever cutting a word. The panels the options name are kept as
sections, as the man page has them. A command's one-line summary is shown whole, wrapped (click
would cut it to one line with "..."), and the usage line names a required argument as ``FILE...``
(Typer marks it ``{FILE...}``).
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from typer._click import Command, Context, HelpFormatter, Parameter
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
            write_definitions(formatter, arguments)
    for title, options in option_panels(params).items():
        records = [record for option in options if (record := option.get_help_record(ctx))]
        if records:
            with formatter.section(title):
                write_definitions(formatter, records)


def summary(command: Command) -> str:
    """A command's one-line summary: its short help, else its help's first paragraph, whole (click's own
    stops at the first word that ends in a full stop, as "e.g." does)."""
    text = command.short_help or command.help or ""
    return " ".join(text.split("\n\n", 1)[0].split())


def usage_pieces(pieces: list[str]) -> list[str]:
    """``{FILE...}`` -> ``FILE...``: a required argument is shown bare, optional ones keep their brackets."""
    return [piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece for piece in pieces]


def write_commands(formatter: HelpFormatter, rows: list[tuple[str, str]]) -> None:
    if rows:
        with formatter.section("Commands"):
            write_definitions(formatter, rows)


class _Panelled(Command):
    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        from sacli.cli.attached import written_out

        return super().parse_args(ctx, written_out(self, ctx, args))

    def get_short_help_str(self, limit: int = 45) -> str:
        return summary(self)

    def format_help_text(self, ctx: Context, formatter: HelpFormatter) -> None:
        text = inspect.cleandoc(self.help or "").partition("\f")[0]
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                width = max(formatter.width - formatter.current_indent, 11)
                for line in wrapped(text, width):
                    formatter.write((" " * formatter.current_indent + line).rstrip() + "\n")

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        return usage_pieces(super().collect_usage_pieces(ctx))

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        format_options(self.get_params(ctx), ctx, formatter)


class PanelledCommand(_Panelled, TyperCommand):
    pass


class PanelledGroup(_Panelled, TyperGroup):
    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """Each command with its whole summary (its help's first paragraph), wrapped, never cut."""
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd.get_short_help_str()) for name, cmd in commands if cmd and not cmd.hidden]
        write_commands(formatter, rows)


def command_group(help: str, **settings: Any) -> typer.Typer:
    """A group of commands with plain-text help; the group alone shows that help (exit 2)."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, cls=PanelledGroup, **settings)


def write_definitions(formatter: HelpFormatter, rows: Sequence[tuple[str, str]], col_max: int = 30) -> None:
    """click's definition list (a name, then its text wrapped beside it), wrapped at spaces only: click's
    wrapper also breaks at hyphens, and an option named in a text (--max-cost-item) came out split."""
    first_width = min(max(len(name) for name, _ in rows), col_max) + 2
    indent = formatter.current_indent
    text_width = max(formatter.width - first_width - 2, 10)
    for name, text in rows:
        formatter.write(" " * indent + name)
        if not text:
            formatter.write("\n")
            continue
        if len(name) <= first_width - 2:
            formatter.write(" " * (first_width - len(name)))
        else:
            formatter.write("\n" + " " * (first_width + indent))
        lines = wrapped(text, text_width) or [""]
        formatter.write(lines[0] + "\n")
        for line in lines[1:]:
            formatter.write((" " * (first_width + indent) + line).rstrip() + "\n")


def wrapped(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` at spaces only, paragraph by paragraph (a blank line between them),
    each keeping its own indentation."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        indent = " " * (len(paragraph) - len(paragraph.lstrip(" ")))
        lines += textwrap.wrap(
            " ".join(line.strip() for line in paragraph.splitlines()),
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )
        lines.append("")
    return lines[:-1]
