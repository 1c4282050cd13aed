"""The option groups shared between commands, each option defined once.

``@options(conn=ConnectionOptions, chat=ChatOptions)`` (sacli.cli.optiongroup) adds a group's
options to a command's signature and hands the command one object per group. Only typer is
imported here: this module is on the path of every start, completion included.
"""

from enum import StrEnum
from typing import Annotated

import typer

from sacli.cli.optiongroup import OptionGroup, options

__all__ = [
    "ChatOptions",
    "ConnectionOptions",
    "MemoryStrategy",
    "OptionGroup",
    "OutputOptions",
    "ReasoningEffort",
    "options",
]

CONNECTION_PANEL = "Connection and configuration"
MODEL_PANEL = "Model"
MEMORY_PANEL = "Super Agent Stack memory and RAG"
REPLY_PANEL = "Structured output, reasoning, tools and attachments"
OUTPUT_PANEL = "Output"


class ReasoningEffort(StrEnum):
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"


class MemoryStrategy(StrEnum):
    truncate = "truncate"
    summarize = "summarize"
    sliding_window = "sliding_window"


class ConnectionOptions(OptionGroup):
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="SACLI_BASE_URL",
            help="OpenAI-style API base; chat is {base}/chat/completions. "
            "[default: the Super Agent Stack API, as `sacli config show` prints it]",
            rich_help_panel=CONNECTION_PANEL,
            show_default=False,
        ),
    ] = None
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
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


class ChatOptions(OptionGroup):
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            envvar="SACLI_MODEL",
            help="Model ID. [default: anthropic/claude-3-sonnet]",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    system: Annotated[
        str | None,
        typer.Option("--system", "-s", help="System prompt.", rich_help_panel=MODEL_PANEL, show_default=False),
    ] = None
    temperature: Annotated[
        float | None,
        typer.Option(
            "--temperature",
            "-t",
            min=0,
            max=2,
            help="Sampling temperature (temperature).",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            min=1,
            help="Longest reply, in tokens (max_tokens).",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    top_p: Annotated[
        float | None,
        typer.Option(
            "--top-p",
            min=0,
            max=1,
            help="Nucleus sampling probability (top_p).",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="KEY=VALUE",
            help="Any extra body field; VALUE is parsed as JSON when it is valid JSON (repeatable).",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    session: Annotated[
        str | None,
        typer.Option(
            "--session",
            metavar="ID",
            help="Session whose server-side history is used (sessionId).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    save: Annotated[
        bool | None,
        typer.Option(
            "--save/--no-save",
            help="Store this turn in the session (saveToMemory).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    rag: Annotated[
        bool | None,
        typer.Option(
            "--rag/--no-rag",
            help="Search the uploaded files (useRAG).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    rag_query: Annotated[
        str | None,
        typer.Option(
            "--rag-query",
            metavar="TEXT",
            help="Search text for RAG (ragQuery).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    user_memory: Annotated[
        bool | None,
        typer.Option(
            "--user-memory/--no-user-memory",
            help="Inject the user's memory facts (useUserMemory).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    memory_strategy: Annotated[
        MemoryStrategy | None,
        typer.Option(
            "--memory-strategy",
            help="How long session history is fitted (memoryStrategy).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema",
            metavar="SCHEMA",
            help="A JSON Schema (JSON text, or @FILE) the reply must match; exit 9 when it does not.",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None
    reasoning: Annotated[
        ReasoningEffort | None,
        typer.Option(
            "--reasoning",
            metavar="EFFORT",
            help="Reasoning effort: minimal, low, medium or high (reasoning.effort).",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None
    reasoning_tokens: Annotated[
        int | None,
        typer.Option(
            "--reasoning-tokens",
            min=1,
            metavar="N",
            help="Tokens the model may spend reasoning (reasoning.max_tokens).",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None
    tools: Annotated[
        str | None,
        typer.Option(
            "--tools",
            metavar="FILE",
            help="A JSON array of tool definitions; tool calls come out as one JSON line on stdout.",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None
    tool_choice: Annotated[
        str | None,
        typer.Option(
            "--tool-choice",
            metavar="auto|none|required|NAME",
            help="Whether, or which, tool the model calls (tool_choice).",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None
    attach: Annotated[
        list[str] | None,
        typer.Option(
            "--attach",
            "-a",
            metavar="PATH|URL",
            help="An image, a PDF or a text file for the model to read; '-' reads it from stdin (repeatable).",
            rich_help_panel=REPLY_PANEL,
            show_default=False,
        ),
    ] = None


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
