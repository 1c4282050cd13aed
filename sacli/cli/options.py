"""The option groups the commands share, and the one ``--json`` and ``--yes``.

Each attribute is an option declared in sacli.settings.declared, named after it; the groups
only say which options go together. Only typer is imported here: this module is on the path of
every start, completion included.
"""

from typing import Annotated, Any

import typer

from sacli.cli.optiongroup import TEXT, Number, OptionGroup, options, setting_option
from sacli.settings.declared import MEMORY_PANEL, OUTPUT_PANEL

__all__ = [
    "MEMORY_PANEL",
    "OUTPUT_PANEL",
    "TEXT",
    "BatchChatOptions",
    "ChatOptions",
    "ConnectionOptions",
    "Json",
    "LogFileOptions",
    "LogOptions",
    "Number",
    "OptionGroup",
    "OutputOptions",
    "Prompt",
    "ReplyTo",
    "SpendOptions",
    "Yes",
    "flag",
    "options",
    "prompt_argument",
]


def flag(*decls: str, help: str, panel: str | None = None, **settings: Any) -> Any:
    """An option of one command: no "[default: ...]" unless ``show_default`` asks for one."""
    return typer.Option(*decls, help=help, rich_help_panel=panel, **{"show_default": False, **settings})


def prompt_argument(more: str = "") -> Any:
    """The PROMPT... of ``stream`` and ``chat``; ``more`` adds to its help."""
    help = "The prompt; stdin is appended after a blank line when it is not a terminal." + more
    return typer.Argument(metavar="PROMPT...", help=help, show_default=False)


Json = Annotated[bool, setting_option("json")]
ReplyTo = Annotated[str | None, setting_option("reply_to")]
Yes = Annotated[bool, setting_option("yes")]
Prompt = Annotated[list[str] | None, prompt_argument()]


class ConnectionOptions(OptionGroup):
    base_url: str | None
    api_key: str | None
    super_agent_key: str | None
    profile: str | None
    header: list[str] | None
    retries: int | None
    connect_timeout: float | None
    idle_timeout: float | None
    timeout: float | None
    record: str | None
    replay: str | None
    replay_match: str
    replay_speed: float
    debug: bool


class ChatOptions(OptionGroup):
    """The chat options of ``stream``, ``chat`` and ``batch``: the model, its sampling, memory and RAG, and more."""

    model: str | None
    system: str | None
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    param: list[str] | None
    session: str | None
    save: bool | None
    rag: bool | None
    rag_query: str | None
    user_memory: bool | None
    memory_strategy: str | None
    user_memory_tokens: int | None
    auto_memory: bool | None
    summary_threshold: int | None
    continue_session: bool
    schema: str | None
    reasoning: str | None
    reasoning_tokens: int | None
    reasoning_summary: str | None
    no_reasoning: bool
    web: bool | None
    web_results: int | None
    web_engine: str | None
    service_tier: str | None
    provider: list[str] | None
    tools: str | None
    tool_choice: str | None
    attach: list[str] | None


class BatchChatOptions(OptionGroup):
    """ChatOptions with -m repeatable: ``sacli batch`` asks each prompt of every model given."""

    __annotations__ = {**ChatOptions.__annotations__, "model": list[str] | None}


class LogOptions(OptionGroup):
    """Whether and where the chat commands log their exchanges, and the labels they give them."""

    log: bool | None
    log_db: str | None
    tag: list[str] | None


class SpendOptions(OptionGroup):
    """The spending limits of the chat commands."""

    max_cost: float | None
    budget: float | None
    budget_scope: str | None
    budget_since: str | None
    cache: bool | None
    cache_ttl: str


class LogFileOptions(OptionGroup):
    """Where ``sacli logs`` reads."""

    log_db: str | None


class OutputOptions(OptionGroup):
    json: bool
    events: bool
    usage: bool
    show_reasoning: bool | None
    markdown: bool | None
    no_newline: bool
    raw: bool
    no_stdin: bool
