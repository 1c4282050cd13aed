"""Every setting, and every option the commands share, declared once: flags, environment variable,
default, bounds, choices, help and panel.

``SETTINGS`` are what the config file may also hold; ``OPTIONS`` are of the command line alone.
The option groups (sacli.cli.options), the config file's keys (sacli.settings.configfile),
``--help``'s "[default: ...]", ``sacli config show`` and the README's table are all made from
these two tables; sacli.settings.values reads and checks their values.
"""

from __future__ import annotations

from typing import Any, NamedTuple

CONNECTION_PANEL = "Connection and configuration"
MODEL_PANEL = "Model"
MEMORY_PANEL = "Super Agent Stack memory and RAG"
REPLY_PANEL = "Schema, reasoning, tools and attachments"
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
        choices=("none", "minimal", "low", "medium", "high", "xhigh", "max"), metavar="EFFORT",
    ),
    "reasoning_summary": Setting(
        "choice", ("--reasoning-summary",), "How the model's reasoning is summarised: {takes} (reasoning.summary).",
        REPLY_PANEL, choices=("auto", "concise", "detailed"), metavar="MODE",
    ),
    "web": _switch(
        "--web/--no-web", "Let the model search the web (the web plugin); its sources are listed on stderr.",
        REPLY_PANEL,
    ),
    "web_results": Setting(
        "whole", ("--web-results",), "How many web results the search may give the model, {takes} (implies --web).",
        REPLY_PANEL, low=1, high=100, metavar="N",
    ),
    "web_engine": Setting(
        "text", ("--web-engine",), "The web search engine: native, exa, ... (implies --web).", REPLY_PANEL,
        metavar="NAME",
    ),
    "service_tier": Setting(
        "choice", ("--service-tier",), "The provider's processing tier: {takes} (service_tier).", MODEL_PANEL,
        choices=("auto", "default", "flex", "priority"), metavar="TIER",
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
        "unless --cache is given. --cache=AGE also sets how old an answer it may give.", CACHE_PANEL, False,
        env="SACLI_CACHE",
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
    "no_reasoning": Setting(
        "flag", ("--no-reasoning",), "Ask the model not to reason (reasoning.enabled: false).", REPLY_PANEL, False,
    ),
    "provider": Setting(
        "list", ("--provider",), "A provider routing preference: order, only, ignore, quantizations (comma-"
        "separated), sort, data_collection, allow_fallbacks, require_parameters, zdr, max_price.prompt, "
        "max_price.completion, max_price.request, max_price.image (repeatable).", MODEL_PANEL, metavar="KEY=VALUE",
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
        "(sacli schema events). --events=1 names the version.", OUTPUT_PANEL, False,
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
