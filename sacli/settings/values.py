"""A setting's value, read and checked the same way wherever it comes from: ``parse`` reads a flag's or
a variable's text, ``check`` a config file's value; both say what is wrong in the same words, and
``takes`` says what a setting takes, for ``--help`` and the README."""

from __future__ import annotations

import math
from typing import Any

from sacli.readers.ostext import escaped, not_utf8
from sacli.settings.declared import DECLARED


def help_of(key: str) -> str:
    """The option's help as ``--help`` shows it, ending in its default when it has one (a flag is off unless given)."""
    setting = DECLARED[key]
    text = setting.help.format(takes=takes(key))
    if setting.default is not None and setting.kind != "flag":
        text += f"  [default: {shown(setting.default)}]"
    return text


def shown(value: Any) -> str:
    """A value as a person types it: true/false, 10 for 10.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse(key: str, text: str) -> Any:
    """The value of a flag's or a variable's ``text``; ValueError saying what is wrong with it."""
    setting = DECLARED[key]
    value: Any = text
    if setting.kind in ("number", "whole"):
        value = parse_number(text, whole=setting.kind == "whole")
        if value is None:
            raise ValueError(f"must be {takes(key)}, not {text!r}")
    problem = check(key, value)
    if problem is not None and setting.kind in ("text", "list"):
        raise ValueError(problem)  # the problem says where; the text may be long
    if problem is not None:
        from sacli.settings.secrets import redact_url  # on this error path only: not on every start

        shown_text = redact_url(text) if setting.kind == "url" else text  # a URL's password is a secret
        raise ValueError(f"{problem}, not '{escaped(shown_text)}'")
    return value


def parse_number(text: str, *, whole: bool) -> int | float | None:
    """A finite number written in ``text`` (a whole one when ``whole``), or None."""
    text = text.strip()
    try:
        return int(text) if whole else float(text)
    except (ValueError, OverflowError):
        return None


def check(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``key``, as a clause ("must be a number from 0 to 2"), or None."""
    setting = DECLARED[key]
    kind = setting.kind
    if kind in ("text", "url", "list", "file", "files"):
        if not isinstance(value, str):
            return "must be a string"
        # A key is checked where it is used, as ASCII, and never quoted (sacli.api.headers.check_key).
        problem = None if kind in ("file", "files") or setting.secret else not_utf8(value)
        if problem is not None:
            return f"must be UTF-8 text ({problem} is not)"
        return url_problem(value) if kind == "url" else None
    if kind == "switch":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "choice":
        return None if value in setting.choices else f"must be {takes(key)}"
    if kind == "headers":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return 'must be a table of strings, e.g. headers = { "X-Team" = "ops" }'
        return None
    return number_problem(value, setting.low, setting.high, whole=kind == "whole")


def number_problem(value: Any, low: float | None, high: float | None, *, whole: bool) -> str | None:
    """What keeps ``value`` from being a finite number (whole when ``whole``) from ``low`` to ``high``."""
    wanted = f"must be {number_words(low, high, whole=whole)}"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return wanted
    if isinstance(value, float) and not math.isfinite(value):
        return wanted
    if (low is not None and value < low) or (high is not None and value > high):
        return wanted
    return None


def takes(key: str) -> str:
    """What ``key`` takes, in words: "a number from 0 to 2", "true or false"."""
    setting = DECLARED[key]
    kind = setting.kind
    if kind == "text":
        return "a string"
    if kind == "file":
        return "a file name"
    if kind == "url":
        return "an http:// or https:// URL"
    if kind == "switch":
        return "true or false"
    if kind == "choice":
        return ", ".join(setting.choices[:-1]) + " or " + setting.choices[-1]
    if kind == "headers":
        return "a table of header names and values"
    return number_words(setting.low, setting.high, whole=kind == "whole")


def number_words(low: float | None, high: float | None, *, whole: bool) -> str:
    noun = "a whole number" if whole else "a number"
    if low is not None and high is not None:
        return f"{noun} from {_figure(low)} to {_figure(high)}"
    if low is not None:
        return f"{noun} of at least {_figure(low)}"
    return noun


def _figure(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def url_problem(text: str) -> str | None:
    """What keeps ``text`` from being a base URL: ``http://`` or ``https://``, a host (a URL that names
    none reaches nothing) and, if it names a port, one from 1 to 65535 (another is no place to connect
    to, and sending to it again would not help)."""
    from urllib.parse import urlsplit

    scheme, sep, rest = text.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2]
    if not sep or scheme.lower() not in ("http", "https") or not host.strip() or host.startswith(":"):
        return "must be an http:// or https:// URL with a host"
    try:
        port = urlsplit(text).port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return "must be an http:// or https:// URL whose port is a number from 1 to 65535"
    return None
