"""Options whose value is optional and must then be attached with ``=``, as GNU tools read
``ls --color[=WHEN]``: ``--events=1`` names the event stream's version, ``--cache=AGE`` is
``--cache --cache-ttl AGE``. Written apart, as ``--events 2``, the next word is the prompt.

click reads an option's optional value from the next word as well, which would take a prompt
for it; so these are written out before click parses the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from typer._click import Command, Context
from typer._click.exceptions import UsageError

EVENTS_VERSIONS = ("1",)


def _events(value: str, ctx: Context) -> list[str]:
    if value not in EVENTS_VERSIONS:
        raise UsageError(
            f"--events={value}: this sacli writes version {', '.join(EVENTS_VERSIONS)} of the events (--events)", ctx
        )
    return ["--events"]


def _cache(value: str, ctx: Context) -> list[str]:
    return ["--cache", "--cache-ttl", value]


ATTACHED: dict[str, Callable[[str, Context], list[str]]] = {"--events": _events, "--cache": _cache}


def written_out(command: Command, ctx: Context, args: Sequence[str]) -> list[str]:
    """``args`` with each ``--name=VALUE`` of ATTACHED written as the options it stands for; the
    words after ``--`` and the values of options that take one are left as they are."""
    names = {name for param in command.params for name in param.opts}
    if not names.intersection(ATTACHED):
        return list(args)
    takes_value = {
        name
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "is_flag", False) and param.nargs != 0
        for name in param.opts
    }
    out: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            out.append(word)
            out.extend(words)
            break
        name, equals, value = word.partition("=")
        if equals and name in ATTACHED and name in names:
            out.extend(ATTACHED[name](value, ctx))
            continue
        out.append(word)
        if word in takes_value and (given := next(words, None)) is not None:
            out.append(given)  # the option's value, whatever it holds
    return out
