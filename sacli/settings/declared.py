"""Every setting, and every option the commands share, declared once: flags, environment variable,
default, bounds, choices, help and panel.

``SETTINGS`` are what the config file may also hold; ``OPTIONS`` are of the command line alone.
The option groups (sacli.cli.options), the config file's keys (sacli.settings.configfile),
``--help``'s "[default: ...]", ``sacli config show`` and the README's table are all made from
these two tables. A value is checked the same way wherever it comes from: ``parse`` reads a
flag's or a variable's text, ``check`` a config file's value; both say what is wrong in the same words.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from sacli.readers.ostext import escaped, not_utf8

CONNECTION_PANEL = "Connection and configuration"
MODEL_PANEL = "Model"
MEMORY_PANEL = "Super Agent Stack memory and RAG"
REPLY_PANEL = "Structured output, reasoning, tools and attachments"
OUTPUT_PANEL = "Output"
TAPE_PANEL = "Record and replay"
LOG_PANEL = "Local log"
SPEND_PANEL = "Spending limits"
CACHE_PANEL = "Response cache"
BATCH_PANEL = "Batch"
MOST_DOLLARS = 1_000_000.0  # a limit above this is a typo

LONGEST_WAIT = 1_000_000.0  # seconds, about 11 days: the most a timeout may be (the OS timers overflow far above)


class Setting(NamedTuple):
    # "text", "url", "number", "whole", "switch", "choice", "headers"; OPTIONS only: "flag", "list" (of
    # text), "file" and "files" (file names: any bytes, not checked as UTF-8 text).
    kind: str
    flags: tuple[str, ...]  # the long flag first ("--rag/--no-rag" for a switch), then a short one
    help: str  # "{takes}" stands for what the setting takes, in words
    panel: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    env: str | None = None
    secret: bool = False
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    attribute: str | None = None  # the option group's attribute, when it is not the key itself

    @property
    def flag(self) -> str:
        return self.flags[0]


def _timeout(flag: str, help: str, default: float | None = None, panel: str = CONNECTION_PANEL) -> Setting:
    return Setting("number", (flag,), help, panel, default, low=0.001, high=LONGEST_WAIT, metavar="SECONDS")


def _switch(flags: str, help: str, panel: str) -> Setting:
    return Setting("switch", (flags,), help, panel)


def _whole(flag: str, help: str, panel: str, low: int) -> Setting:
    return Setting("whole", (flag,), help, panel, low=low, metavar="N")


SETTINGS: dict[str, Setting] = {
    "base_url": Setting(
        "url", ("--base-url",), "The API's base URL, ending in /api/v1 for the service.", CONNECTION_PANEL,
        "https://superagentstack.orionixtech.com/api/v1", env="SACLI_BASE_URL", metavar="URL",
    ),
    "api_key": Setting(
        "text", ("--api-key",), "OpenRouter key, sent as 'Authorization: Bearer'. Prefer the variable or the "
        "config file: arguments are visible to other users in ps.", CONNECTION_PANEL,
        env="OPENROUTER_KEY", secret=True, metavar="KEY",
    ),
    "super_agent_key": Setting(
        "text", ("--super-agent-key",), "Super Agent Stack key, sent as the 'superAgentKey' header.",
        CONNECTION_PANEL, env="SUPER_AGENT_KEY", secret=True, metavar="KEY",
    ),
    # OpenRouter's router picks a model for each request and stays valid as models come and go.
    "model": Setting(
        "text", ("--model", "-m"), "Model ID (sacli models lists them).", MODEL_PANEL, "openrouter/auto",
        env="SACLI_MODEL", metavar="ID",
    ),
    "system": Setting("text", ("--system", "-s"), "System prompt.", MODEL_PANEL, metavar="TEXT"),
    "temperature": Setting(
        "number", ("--temperature", "-t"), "Sampling temperature (temperature), {takes}.", MODEL_PANEL,
        low=0, high=2, metavar="T",
    ),
    "max_tokens": _whole("--max-tokens", "Longest reply, in tokens (max_tokens).", MODEL_PANEL, 1),
    "top_p": Setting(
        "number", ("--top-p",), "Nucleus sampling probability (top_p), {takes}.", MODEL_PANEL, low=0, high=1,
        metavar="P",
    ),
    "retries": Setting(
        "whole", ("--retries",), "Retries for 408, 409, 429, 5xx and connection failures, before any output.",
        CONNECTION_PANEL, 2, low=0, high=100, metavar="N",
    ),
    "connect_timeout": _timeout("--connect-timeout", "Longest wait for the connection to the server.", 10.0),
    "idle_timeout": _timeout(
        "--idle-timeout",
        "Longest silence allowed between bytes of the reply; its status line and headers must also be whole "
        "within --connect-timeout plus this.",
        120.0,
    ),
    "timeout": _timeout("--timeout", "Limit for the whole command, retries included (none when not set)."),
    "rag": _switch("--rag/--no-rag", "Search the uploaded files (useRAG).", MEMORY_PANEL),
    "save": _switch("--save/--no-save", "Store this turn in the session (saveToMemory).", MEMORY_PANEL),
    "user_memory": _switch(
        "--user-memory/--no-user-memory", "Inject the user's memory facts (useUserMemory).", MEMORY_PANEL
    ),
    "memory_strategy": Setting(
        "choice", ("--memory-strategy",), "How long session history is fitted: {takes} (memoryStrategy).",
        MEMORY_PANEL, choices=("truncate", "summarize", "sliding_window"), metavar="STRATEGY",
    ),
    "user_memory_tokens": _whole(
        "--user-memory-tokens", "Token budget of the injected memory facts (userMemoryTokens).", MEMORY_PANEL, 1
    ),
    "auto_memory": _switch(
        "--auto-memory/--no-auto-memory",
        "Act on 'remember...', 'forget...' and 'recall...' in the message (autoMemory).",
        MEMORY_PANEL,
    ),
    "summary_threshold": _whole(
        "--summary-threshold", "Messages after which the history is summarised, {takes} (summaryThreshold).",
        MEMORY_PANEL, 10,
    ),
    "headers": Setting(
        "headers", ("--header", "-H"), "Extra HTTP header; it replaces sacli's own header of that name (repeatable).",
        CONNECTION_PANEL, metavar="'NAME: VALUE'", attribute="header",
    ),
    "reasoning": Setting(
        "choice", ("--reasoning",), "Reasoning effort: {takes} (reasoning.effort).", REPLY_PANEL,
        choices=("minimal", "low", "medium", "high"), metavar="EFFORT",
    ),
    "reasoning_tokens": _whole(
        "--reasoning-tokens", "Tokens the model may spend reasoning (reasoning.max_tokens).", REPLY_PANEL, 1
    ),
    "markdown": _switch(
        "--markdown/--no-markdown",
        "On a terminal, show the reply rendered as Markdown while it streams (a pipe gets the text as sent).",
        OUTPUT_PANEL,
    ),
    "show_reasoning": _switch(
        "--show-reasoning/--hide-reasoning",
        "Write the model's reasoning to stderr as it arrives (it never goes to stdout).",
        OUTPUT_PANEL,
    ),
    "log": Setting(
        "switch", ("--log/--no-log",), "Keep a record of each exchange in the local log (sacli logs); a "
        "--replay run only when asked.", LOG_PANEL, True, env="SACLI_LOG",
    ),
    "log_db": Setting(
        "text", ("--log-db",), "The local log's file (logs.db in sacli's data directory when not set).", LOG_PANEL,
        env="SACLI_LOG_DB", metavar="FILE",
    ),
    "max_cost": Setting(
        "number", ("--max-cost",), "Spend at most this many dollars on this run: a request whose worst case "
        "cannot fit is not sent, a reply is stopped once its running cost passes it (exit 11).", SPEND_PANEL,
        low=0, high=MOST_DOLLARS, env="SACLI_MAX_COST", metavar="USD",
    ),
    "budget": Setting(
        "number", ("--budget",), "Send nothing once the logged exchanges of the budget's scope have cost this "
        "many dollars (exit 11); batch starts no more items.", SPEND_PANEL, low=0, high=MOST_DOLLARS,
        env="SACLI_BUDGET", metavar="USD",
    ),
    "budget_scope": Setting(
        "text", ("--budget-scope",), "The tag whose exchanges --budget counts, given to this run's too (the "
        "first --tag when not set; every logged exchange when neither).", SPEND_PANEL,
        env="SACLI_BUDGET_SCOPE", metavar="TAG",
    ),
    "cache": Setting(
        "switch", ("--cache/--no-cache",), "Answer a request from the local log when the very same one succeeded "
        "lately, at once and for nothing; else ask the server's cache too. Never with a temperature above 0 "
        "unless --cache is given.", CACHE_PANEL, False, env="SACLI_CACHE",
    ),
    "cache_ttl": Setting(
        "text", ("--cache-ttl",), "How old an answer the cache may give (30m, 12h, 7d).", CACHE_PANEL, "24h",
        env="SACLI_CACHE_TTL", metavar="AGE",
    ),
    "budget_since": Setting(
        "text", ("--budget-since",), "Count --budget's spend from this age or date (7d, 2026-12-01); the "
        "whole log when not set.", SPEND_PANEL, env="SACLI_BUDGET_SINCE", metavar="WHEN",
    ),
}  # fmt: skip

OPTIONS: dict[str, Setting] = {
    "item_timeout": _timeout("--item-timeout", "Limit for each item, retries included (exit 7).", None, BATCH_PANEL),
    "profile": Setting(
        "text", ("--profile",), "Use the [profiles.NAME] table of the config file over its top-level settings.",
        CONNECTION_PANEL, env="SACLI_PROFILE", metavar="NAME",
    ),
    "record": Setting(
        "file", ("--record",), "Append each HTTP exchange to FILE (JSON Lines, keys left out) for --replay.",
        TAPE_PANEL, env="SACLI_RECORD", metavar="FILE",
    ),
    "replay": Setting(
        "file", ("--replay",), "Answer each request from the exchanges recorded in FILE: no network, no key needed.",
        TAPE_PANEL, env="SACLI_REPLAY", metavar="FILE",
    ),
    "replay_match": Setting(
        "choice", ("--replay-match",), "Which record answers a request: the next in order, or the first unused "
        "one with its body ({takes}).", TAPE_PANEL, "order", choices=("order", "body"), metavar="HOW",
    ),
    "replay_speed": Setting(
        "number", ("--replay-speed",), "How much faster than recorded the replay runs; 0: as fast as it can.",
        TAPE_PANEL, 1.0, low=0, high=1_000_000, metavar="FACTOR",
    ),
    "debug": Setting(
        "flag", ("--debug",), "Log requests and show tracebacks on stderr (keys are redacted).", CONNECTION_PANEL,
        False, env="SACLI_DEBUG",
    ),
    "param": Setting(
        "list", ("--param", "-p"), "Any extra body field; VALUE is parsed as JSON when it is valid JSON "
        "(repeatable).", MODEL_PANEL, metavar="KEY=VALUE",
    ),
    "session": Setting(
        "text", ("--session",), "Session whose server-side history is used (sessionId).", MEMORY_PANEL, metavar="ID"
    ),
    "rag_query": Setting("text", ("--rag-query",), "Search text for RAG (ragQuery).", MEMORY_PANEL, metavar="TEXT"),
    "continue_session": Setting(
        "flag", ("--continue", "-c"), "Use the session sacli last used or created.", MEMORY_PANEL, False
    ),
    "schema": Setting(
        "file", ("--schema",), "A JSON Schema (JSON text, or @FILE) the reply must match; exit 9 when it does not.",
        REPLY_PANEL, metavar="SCHEMA",
    ),
    "tools": Setting(
        "file", ("--tools",), "A JSON array of tool definitions; tool calls come out as one JSON line on stdout.",
        REPLY_PANEL, metavar="FILE",
    ),
    "tool_choice": Setting(
        "text", ("--tool-choice",), "Whether, or which, tool the model calls (tool_choice).", REPLY_PANEL,
        metavar="auto|none|required|NAME",
    ),
    "attach": Setting(
        "files", ("--attach", "-a"), "An image, a PDF or a text file for the model to read; '-' reads it from "
        "stdin (repeatable).", REPLY_PANEL, metavar="PATH|URL",
    ),
    "events": Setting(
        "flag", ("--events",), "Write a stream of JSON events instead of the text: each piece of the answer, "
        "reasoning, tool calls, retries, usage, and a last end event with the status and exit code "
        "(sacli schema events).", OUTPUT_PANEL, False,
    ),
    "json": Setting(
        "flag", ("--json",), "Write JSON instead of text: one array for a list, one object per line for items "
        "acted on one by one, the object itself for one thing; stream and chat write the server's JSON.",
        OUTPUT_PANEL, False,
    ),
    "usage": Setting("flag", ("--usage",), "Print token usage and cost on stderr at the end.", OUTPUT_PANEL, False),
    "no_newline": Setting("flag", ("--no-newline", "-n"), "Do not add a final newline.", OUTPUT_PANEL, False),
    "raw": Setting(
        "flag", ("--raw",), "On a terminal, pass control characters through instead of showing them escaped.",
        OUTPUT_PANEL, False,
    ),
    "no_stdin": Setting("flag", ("--no-stdin",), "Never read standard input.", OUTPUT_PANEL, False),
    "yes": Setting("flag", ("--yes", "-y"), "Do not ask (required without a terminal to ask on).", "Options", False),
    "reply_to": Setting(
        "text", ("--reply-to",), "Follow up on a logged exchange (sacli logs shows their IDs): its messages and "
        "its reply are sent before the prompt.", LOG_PANEL, metavar="ID",
    ),
    "tag": Setting(
        "list", ("--tag",), "A label for this run's exchanges in the local log, e.g. a CI job or a pipeline step "
        "(repeatable; SACLI_TAG may hold several, separated by spaces).", LOG_PANEL, env="SACLI_TAG", metavar="TEXT",
    ),
}  # fmt: skip

DECLARED = {**SETTINGS, **OPTIONS}
SETTING_OF_ATTRIBUTE = {setting.attribute or key: key for key, setting in DECLARED.items()}


def attribute_of(key: str) -> str:
    return DECLARED[key].attribute or key


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
