"""Every setting a config file may hold: its kind, bounds, default, environment variable and flag.

A value from the file is checked as its flag checks it; ``check`` says what is wrong with one
(None when it is fine), for the config reader to report with the file and the line.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

DEFAULT_BASE_URL = "https://superagentstack.orionixtech.com/api/v1"
# OpenRouter's router picks a model for each request and stays valid as models come and go.
DEFAULT_MODEL = "openrouter/auto"
MEMORY_STRATEGIES = ("truncate", "summarize", "sliding_window")
REASONING_EFFORTS = ("minimal", "low", "medium", "high")


class Setting(NamedTuple):
    kind: str  # "text", "url", "number", "whole", "switch", "choice", "headers"
    flag: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    env: str | None = None
    secret: bool = False
    choices: tuple[str, ...] = ()
    attribute: str | None = None  # the option group's attribute, when it is not the key itself


SETTINGS: dict[str, Setting] = {
    "base_url": Setting("url", "--base-url", DEFAULT_BASE_URL, env="SACLI_BASE_URL"),
    "api_key": Setting("text", "--api-key", env="OPENROUTER_KEY", secret=True),
    "super_agent_key": Setting("text", "--super-agent-key", env="SUPER_AGENT_KEY", secret=True),
    "model": Setting("text", "--model", DEFAULT_MODEL, env="SACLI_MODEL"),
    "system": Setting("text", "--system"),
    "temperature": Setting("number", "--temperature", low=0, high=2),
    "max_tokens": Setting("whole", "--max-tokens", low=1),
    "top_p": Setting("number", "--top-p", low=0, high=1),
    "retries": Setting("whole", "--retries", 2, low=0),
    "connect_timeout": Setting("number", "--connect-timeout", 10.0, low=0.001),
    "idle_timeout": Setting("number", "--idle-timeout", 120.0, low=0.001),
    "timeout": Setting("number", "--timeout", low=0.001),
    "rag": Setting("switch", "--rag/--no-rag"),
    "save": Setting("switch", "--save/--no-save"),
    "user_memory": Setting("switch", "--user-memory/--no-user-memory"),
    "memory_strategy": Setting("choice", "--memory-strategy", choices=MEMORY_STRATEGIES),
    "user_memory_tokens": Setting("whole", "--user-memory-tokens", low=1),
    "auto_memory": Setting("switch", "--auto-memory/--no-auto-memory"),
    "summary_threshold": Setting("whole", "--summary-threshold", low=10),
    "headers": Setting("headers", "--header", attribute="header"),
    "reasoning": Setting("choice", "--reasoning", choices=REASONING_EFFORTS),
    "reasoning_tokens": Setting("whole", "--reasoning-tokens", low=1),
    "markdown": Setting("switch", "--markdown/--no-markdown"),
    "show_reasoning": Setting("switch", "--show-reasoning/--hide-reasoning"),
}


def attribute_of(key: str) -> str:
    return SETTINGS[key].attribute or key


def check(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``key``, as a clause ("must be a number from 0 to 2"), or None."""
    setting = SETTINGS[key]
    kind = setting.kind
    if kind in ("text", "url"):
        if not isinstance(value, str):
            return "must be a string"
        if kind == "url" and not value.lower().startswith(("http://", "https://")):
            return "must be an http:// or https:// URL"
        return None
    if kind == "switch":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "choice":
        return None if value in setting.choices else f"must be one of {', '.join(setting.choices)}"
    if kind == "headers":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return 'must be a table of strings, e.g. headers = { "X-Team" = "ops" }'
        return None
    whole = kind == "whole"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return f"must be {'a whole number' if whole else 'a number'}{_bounds(setting)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number{_bounds(setting)}"
    if (setting.low is not None and value < setting.low) or (setting.high is not None and value > setting.high):
        return f"must be {'a whole number' if whole else 'a number'}{_bounds(setting)}"
    return None


def takes(key: str) -> str:
    """What ``key`` takes, in words: "a number from 0 to 2", "true or false"."""
    setting = SETTINGS[key]
    kind = setting.kind
    if kind == "text":
        return "a string"
    if kind == "url":
        return "an http:// or https:// URL"
    if kind == "switch":
        return "true or false"
    if kind == "choice":
        return ", ".join(setting.choices[:-1]) + " or " + setting.choices[-1]
    if kind == "headers":
        return "a table of header names and values"
    return f"{'a whole number' if kind == 'whole' else 'a number'}{_bounds(setting)}"


def _bounds(setting: Setting) -> str:
    low, high = setting.low, setting.high
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return " above 0" if 0 < low < 0.01 else f" of at least {low:g}"
    return ""
