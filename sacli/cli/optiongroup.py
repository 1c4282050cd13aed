"""Option groups: a class's annotated attributes become options of every command that takes the group.

``@options(conn=ConnectionOptions)`` adds the group's options to the command's signature (Typer
reads ``__signature__``) and hands the command one object per group. Before the command runs,
each group records which options the command line or the environment gave, and the config file
and the defaults fill the rest (sacli.settings.configfile).
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

CONNECTION_PANEL = "Connection and configuration"
MODEL_PANEL = "Model"
MEMORY_PANEL = "Super Agent Stack memory and RAG"
REPLY_PANEL = "Structured output, reasoning, tools and attachments"
OUTPUT_PANEL = "Output"
TAPE_PANEL = "Record and replay"


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


@functools.cache
def _parameters(group: type[OptionGroup]) -> tuple[inspect.Parameter, ...]:
    return tuple(
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=getattr(group, name), annotation=annotation)
        for name, annotation in inspect.get_annotations(group).items()
    )


def options(**groups: type[OptionGroup]) -> Callable[[F], F]:
    """Add each group's fields to the command's options and pass the command one object per group.

    Before the command runs, each group records which options the command line or the
    environment gave, and the config file and the defaults fill the rest (sacli.settings.configfile).
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
            from sacli.settings.configfile import apply
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
