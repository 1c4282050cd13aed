"""The option groups shared between commands, each option defined once.

``@options(conn=ConnectionOptions, chat=ChatOptions)`` (sacli.cli.optiongroup) adds a group's
options to a command's signature and hands the command one object per group. Only typer is
imported here: this module is on the path of every start, completion included.
"""

from enum import StrEnum
from typing import Annotated

import typer

from sacli.cli.chatoptions import ChatOptions, MemoryStrategy, ReasoningEffort
from sacli.cli.optiongroup import (
    CONNECTION_PANEL,
    MEMORY_PANEL,
    MODEL_PANEL,
    OUTPUT_PANEL,
    TAPE_PANEL,
    OptionGroup,
    options,
)

__all__ = [
    "CONNECTION_PANEL",
    "MEMORY_PANEL",
    "MODEL_PANEL",
    "OUTPUT_PANEL",
    "TAPE_PANEL",
    "ChatOptions",
    "ConnectionOptions",
    "MemoryStrategy",
    "OptionGroup",
    "OutputOptions",
    "ReasoningEffort",
    "options",
]


class ReplayMatch(StrEnum):
    order = "order"
    body = "body"


class ConnectionOptions(OptionGroup):
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            envvar="SACLI_BASE_URL",
            help="OpenAI-style API base; chat is {base}/chat/completions. "
            "[default: the Super Agent Stack API, as sacli config show prints it]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            envvar="OPENROUTER_KEY",
            help="OpenRouter key, sent as 'Authorization: Bearer'. Prefer the variable or the config "
            "file: arguments are visible to other users in ps.",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    super_agent_key: Annotated[
        str | None,
        typer.Option(
            "--super-agent-key",
            metavar="KEY",
            envvar="SUPER_AGENT_KEY",
            help="Super Agent Stack key, sent as the 'superAgentKey' header.",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            envvar="SACLI_PROFILE",
            help="Use the [profiles.NAME] table of the config file over its top-level settings.",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            metavar="'NAME: VALUE'",
            help="Extra HTTP header; it replaces sacli's own header of that name (repeatable).",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    retries: Annotated[
        int | None,
        typer.Option(
            "--retries",
            metavar="N",
            min=0,
            help="Retries for 408, 409, 429, 5xx and connection failures, before any output. [default: 2]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    connect_timeout: Annotated[
        float | None,
        typer.Option(
            "--connect-timeout",
            min=0.001,
            metavar="SECONDS",
            help="Longest wait for the connection to the server. [default: 10.0]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    idle_timeout: Annotated[
        float | None,
        typer.Option(
            "--idle-timeout",
            min=0.001,
            metavar="SECONDS",
            help="Longest silence allowed between bytes of the reply. [default: 120.0]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.001,
            metavar="SECONDS",
            help="Limit for the whole command, retries included. [default: none]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    record: Annotated[
        str | None,
        typer.Option(
            "--record",
            envvar="SACLI_RECORD",
            metavar="FILE",
            help="Append each HTTP exchange to FILE (JSON Lines, keys left out) for --replay.",
            rich_help_panel=TAPE_PANEL,
            show_default=False,
        ),
    ] = None
    replay: Annotated[
        str | None,
        typer.Option(
            "--replay",
            envvar="SACLI_REPLAY",
            metavar="FILE",
            help="Answer each request from the exchanges recorded in FILE: no network, no key needed.",
            rich_help_panel=TAPE_PANEL,
            show_default=False,
        ),
    ] = None
    replay_match: Annotated[
        ReplayMatch,
        typer.Option(
            "--replay-match",
            help="Which record answers a request: the next in order, or the first unused one with its body.",
            rich_help_panel=TAPE_PANEL,
        ),
    ] = ReplayMatch.order
    replay_speed: Annotated[
        float,
        typer.Option(
            "--replay-speed",
            min=0,
            metavar="FACTOR",
            help="How much faster than recorded the replay runs; 0: as fast as it can.",
            rich_help_panel=TAPE_PANEL,
        ),
    ] = 1.0
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="SACLI_DEBUG",
            help="Log requests and show tracebacks on stderr (keys are redacted).",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = False


class OutputOptions(OptionGroup):
    json: Annotated[
        bool,
        typer.Option(
            "--json", help="Write raw JSON instead of text.", rich_help_panel=OUTPUT_PANEL, show_default=False
        ),
    ] = False
    usage: Annotated[
        bool,
        typer.Option(
            "--usage",
            help="Print token usage and cost on stderr at the end.",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = False
    show_reasoning: Annotated[
        bool | None,
        typer.Option(
            "--show-reasoning/--hide-reasoning",
            help="Write the model's reasoning to stderr as it arrives (it never goes to stdout).",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = None
    markdown: Annotated[
        bool | None,
        typer.Option(
            "--markdown/--no-markdown",
            help="On a terminal, show the reply rendered as Markdown while it streams (a pipe gets the text as sent).",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = None
    no_newline: Annotated[
        bool,
        typer.Option(
            "--no-newline",
            "-n",
            help="Do not add a final newline.",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = False
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="On a terminal, pass control characters through instead of showing them escaped.",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = False
    no_stdin: Annotated[
        bool,
        typer.Option("--no-stdin", help="Never read standard input.", rich_help_panel=OUTPUT_PANEL, show_default=False),
    ] = False
