"""Option groups: a class's annotated attributes become options of every command that takes the group.

An attribute is only annotated with its Python type: its flags, variable, help, panel, default
and the check of its value come from its declaration (sacli.settings.declared).

``@options(conn=ConnectionOptions)`` adds the group's options to the command's signature (Typer
reads ``__signature__``) and hands the command one object per group. Before the command runs,
each group records which options the command line or the environment gave, and the config file
and the defaults fill the rest (sacli.settings.configfile).
"""

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from typer._click import Context, Parameter
from typer._click.exceptions import BadParameter
from typer._click.shell_completion import CompletionItem
from typer._click.types import ParamType

from sacli.readers.ostext import not_utf8
from sacli.settings.declared import DECLARED, SETTING_OF_ATTRIBUTE, SETTINGS
from sacli.settings.values import help_of, number_problem, parse, parse_number

F = TypeVar("F", bound=Callable[..., Any])


class SettingValue(ParamType):
    """A setting's value on the command line or in its variable, checked as the config file's is."""

    min_open = max_open = False

    def __init__(self, key: str) -> None:
        setting = DECLARED[key]
        self.key = key
        self.name = {"whole": "integer"}.get(setting.kind, setting.kind)
        self.min, self.max, self.choices = setting.low, setting.high, setting.choices

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(self.key, value)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx, param, _given_as(param, ctx)) from None

    def shell_complete(self, ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(choice) for choice in self.choices if choice.startswith(incomplete)]


def _given_as(param: Parameter | None, ctx: Context | None) -> str | None:
    """How an error names where a value came from: its variable (SACLI_BASE_URL) when the environment
    gave it, else its flags ('--model' / '-m'); Typer's own hint names the variable either way."""
    if param is None or ctx is None or param.name is None:
        return None
    from typer._click.core import ParameterSource

    if ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT and isinstance(param.envvar, str):
        return param.envvar
    return " / ".join(f"'{name}'" for name in param.opts) or None


class Number(ParamType):
    """A number option that is no setting (``--parallel``, ``--limit``...): finite, within its bounds."""

    min_open = max_open = False

    def __init__(self, low: float | None = None, high: float | None = None, *, whole: bool = False) -> None:
        self.min, self.max, self.whole = low, high, whole
        self.name = "integer" if whole else "number"

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        number = parse_number(value, whole=self.whole) if isinstance(value, str) else value
        problem = number_problem(number, self.min, self.max, whole=self.whole)
        if problem is not None:
            self.fail(f"{problem}, not {value!r}", param, ctx)
        return number


class Text(ParamType):
    """A text option or argument of one command: UTF-8 (a byte that is not arrives as a surrogate escape)."""

    name = "text"

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        problem = not_utf8(value) if isinstance(value, str) else None
        if problem is not None:
            self.fail(f"must be UTF-8 text ({problem} is not)", param, ctx)
        return value


TEXT = Text()


def complete_model(incomplete: str) -> list[str]:
    """Model IDs for TAB, from the list ``sacli models`` keeps: completion never makes a request."""
    from sacli.store.modelcache import model_ids

    return model_ids(incomplete)


COMPLETERS: dict[str, Callable[[str], list[str]]] = {"model": complete_model}


def setting_option(key: str) -> Any:
    """The ``typer.Option`` of a setting or an option, made from its declaration."""
    setting = DECLARED[key]
    checked = setting.kind in ("text", "list", "url", "number", "whole", "choice")
    return typer.Option(
        *setting.flags,
        metavar=setting.metavar,
        envvar=setting.env,
        help=help_of(key),
        rich_help_panel=setting.panel,
        show_default=False,
        click_type=SettingValue(key) if checked else None,
        autocompletion=COMPLETERS.get(key),
    )


class OptionGroup:
    """A group of options: each annotated class attribute is one, declared in sacli.settings.declared.

    ``sources`` maps an option to where its value came from ("flag --model", "env SACLI_MODEL",
    then, once the config file is applied, "PATH:LINE" or "default"). Not a dataclass:
    building three dataclasses cost about 2 ms of every start.
    """

    def __init__(self, **values: Any) -> None:
        """The options given; any other one is not given (None), or for an option of the command
        line alone, its declared default."""
        unknown = values.keys() - inspect.get_annotations(type(self)).keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no option {sorted(unknown)[0]!r}")
        for parameter in _parameters(type(self)):
            setattr(self, parameter.name, values.get(parameter.name, parameter.default))
        self.sources: dict[str, str] = {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in inspect.get_annotations(type(self)))
        return f"{type(self).__name__}({shown})"


def _parameter(name: str, annotation: Any) -> inspect.Parameter:
    """The attribute as a parameter of the command: its option and its default from its declaration.

    A setting's default is None, "not given": the config file, then the declaration, fill it in.
    """
    key = SETTING_OF_ATTRIBUTE[name]
    default = None if key in SETTINGS else DECLARED[key].default
    annotated = Annotated[annotation, setting_option(key)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotated)


@functools.cache
def _parameters(group: type[OptionGroup]) -> tuple[inspect.Parameter, ...]:
    return tuple(_parameter(name, annotation) for name, annotation in inspect.get_annotations(group).items())


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
