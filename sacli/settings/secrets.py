"""What counts as a secret wherever sacli writes something down: the configured keys and
passwords, anything shaped like an OpenRouter or Super Agent key, and the values of fields
whose names say they hold one; and a URL as it may be shown, its password hidden (``redact_url``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# An OpenRouter key (sk-or-v1-...) or a Super Agent key (sk_live_...), from its first character on.
KEY_SHAPES = re.compile(r"sk-or-v1-\w|sk_live_\w")
WHOLE_KEY_SHAPES = re.compile(r"sk-or-v1-[\w-]+|sk_live_\w+")
SHORTEST_SECRET = 6  # shorter values are not real keys, and masking them would garble everything
HIDDEN = "***"


def secret_pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    """Each secret of at least SHORTEST_SECRET characters, longest first, and every key shape."""
    wanted = sorted({s for s in secrets if s and len(s) >= SHORTEST_SECRET}, key=len, reverse=True)
    return re.compile("|".join([*(re.escape(s) for s in wanted), WHOLE_KEY_SHAPES.pattern]))


def is_key_field(name: str) -> bool:
    """A field that holds a key by its name: apiKey, super_agent_key, token, password, Authorization..."""
    plain = name.lower().replace("_", "").replace("-", "")
    return plain.endswith(("key", "secret", "password", "token")) or plain in ("authorization", "cookie")


def scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    """A JSON value with every secret in its strings hidden and every key field's value hidden."""
    if isinstance(value, str):
        return pattern.sub(HIDDEN, value)
    if isinstance(value, list):
        return [scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {
            pattern.sub(HIDDEN, key): HIDDEN if is_key_field(key) and isinstance(item, str) else scrub(item, pattern)
            for key, item in value.items()
        }
    return value


def _split_userinfo(url: str) -> tuple[str, str, str] | None:
    """(everything before the user info, the user info, everything after its '@'), or None."""
    start = url.find("://")
    start = start + 3 if start >= 0 else 0
    end = len(url)
    for mark in "/?#":
        found = url.find(mark, start)
        if found >= 0:
            end = min(end, found)
    at = url.rfind("@", start, end)
    if at < 0:
        return None
    return url[:start], url[start:at], url[at + 1 :]


def redact_url(url: str) -> str:
    """``http://user:secret@host/`` -> ``http://user:***@host/``; a URL without a password is unchanged."""
    parts = _split_userinfo(url)
    if parts is None or ":" not in parts[1]:
        return url
    before, userinfo, after = parts
    return f"{before}{userinfo.partition(':')[0]}:***@{after}"


def url_password(url: str) -> str | None:
    parts = _split_userinfo(url)
    if parts is None or ":" not in parts[1]:
        return None
    return parts[1].partition(":")[2] or None
