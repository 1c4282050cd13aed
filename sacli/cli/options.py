"""Options shared between commands, defined once.

``@options(conn=ConnectionOptions, chat=ChatOptions)`` adds the group's options to a command's
signature (Typer reads ``__signature__``) and hands the command one object per group. Only typer
is imported here: this module is on the path of every start, completion included.
"""

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

CONNECTION_PANEL = "Connection and configuration"
MODEL_PANEL = "Model"
MEMORY_PANEL = "Super Agent Stack memory and RAG"
OUTPUT_PANEL = "Output"


class OptionGroup:
    """A group of options: each annotated class attribute is one, its value the default.

    ``sources`` maps an option to where its value came from ("flag --model", "env SACLI_MODEL",
    then, once the config file is applied, "PATH:LINE" or "default"). Not a dataclass:
    building three dataclasses cost about 2 ms of every start.
    """

    def __init__(self, **values: Any) -> None:
        unknown = values.keys() - inspect.get_annotations(type(self)).keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no option {sorted(unknown)[0]!r}")
        self.__dict__.update(values)
        self.sources: dict[str, str] = {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in inspect.get_annotations(type(self)))
        return f"{type(self).__name__}({shown})"


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
            help="Print token usage on stderr at the end.",
            rich_help_panel=OUTPUT_PANEL,
            show_default=False,
        ),
    ] = False
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


@functools.cache
def _parameters(group: type[OptionGroup]) -> tuple[inspect.Parameter, ...]:
    return tuple(
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=getattr(group, name), annotation=annotation)
        for name, annotation in inspect.get_annotations(group).items()
    )


def options(**groups: type[OptionGroup]) -> Callable[[F], F]:
    """Add each group's fields to the command's options and pass the command one object per group.

    Before the command runs, each group records which options the command line or the
    environment gave, and the config file and the defaults fill the rest (sacli.config).
    """

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name not in groups]
        added = [parameter for group in groups.values() for parameter in _parameters(group)]
        members = {name: [p.name for p in _parameters(group)] for name, group in groups.items()}

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            built = {}
            for group_name, group in groups.items():
                built[group_name] = group(**{name: kwargs.pop(name) for name in members[group_name]})
            _record_sources(built.values())
            from sacli.config import apply
            from sacli.term.stderr import MESSAGES

            apply(built.values(), warn=MESSAGES.warn, add_secrets=MESSAGES.add_secrets)
            return command(**kwargs, **built)

        parameters = own + added
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate


def _record_sources(groups: Any) -> None:
    """Which options the command line gave ("flag --model") and which the environment ("env SACLI_MODEL")."""
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None:
        return
    params = {param.name: param for param in ctx.command.params}
    for group in groups:
        for name in inspect.get_annotations(type(group)):
            source = ctx.get_parameter_source(name)
            param = params.get(name)
            if source is ParameterSource.COMMANDLINE and param is not None:
                group.sources[name] = f"flag {max(param.opts, key=len)}"
            elif source is ParameterSource.ENVIRONMENT and param is not None:
                group.sources[name] = f"env {param.envvar}"
