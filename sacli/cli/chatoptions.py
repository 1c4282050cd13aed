"""The chat options of ``stream`` and ``chat``: the model, its sampling, memory and RAG, schema, reasoning, tools."""

from enum import StrEnum
from typing import Annotated

import typer

from sacli.cli.optiongroup import MEMORY_PANEL, MODEL_PANEL, REPLY_PANEL, OptionGroup


class ReasoningEffort(StrEnum):
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"


class MemoryStrategy(StrEnum):
    truncate = "truncate"
    summarize = "summarize"
    sliding_window = "sliding_window"


def complete_model(incomplete: str) -> list[str]:
    """Model IDs for TAB, from the list ``sacli models`` keeps: completion never makes a request."""
    from sacli.store.modelcache import model_ids

    return model_ids(incomplete)


class ChatOptions(OptionGroup):
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="ID",
            envvar="SACLI_MODEL",
            autocompletion=complete_model,
            help="Model ID (sacli models lists them). [default: openrouter/auto]",
            rich_help_panel=MODEL_PANEL,
            show_default=False,
        ),
    ] = None
    system: Annotated[
        str | None,
        typer.Option(
            "--system", "-s", metavar="TEXT", help="System prompt.", rich_help_panel=MODEL_PANEL, show_default=False
        ),
    ] = None
    temperature: Annotated[
        float | None,
        typer.Option(
            "--temperature",
            "-t",
            metavar="T",
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
            metavar="N",
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
            metavar="P",
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
            metavar="STRATEGY",
            help="How long session history is fitted: truncate, summarize or sliding_window (memoryStrategy).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    user_memory_tokens: Annotated[
        int | None,
        typer.Option(
            "--user-memory-tokens",
            min=1,
            metavar="N",
            help="Token budget of the injected memory facts (userMemoryTokens).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    auto_memory: Annotated[
        bool | None,
        typer.Option(
            "--auto-memory/--no-auto-memory",
            help="Act on 'remember...', 'forget...' and 'recall...' in the message (autoMemory).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    summary_threshold: Annotated[
        int | None,
        typer.Option(
            "--summary-threshold",
            min=10,
            metavar="N",
            help="Messages after which the history is summarised, at least 10 (summaryThreshold).",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = None
    continue_session: Annotated[
        bool,
        typer.Option(
            "--continue",
            "-c",
            help="Use the session sacli last used or created.",
            rich_help_panel=MEMORY_PANEL,
            show_default=False,
        ),
    ] = False
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
