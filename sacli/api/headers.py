"""The headers sacli sends: its own, the keys and -H, each checked as HTTP requires; how the debug log shows them."""

from __future__ import annotations

import re

from sacli import __version__
from sacli.errors import AuthError, UsageError
from sacli.readers.ostext import character_at

USER_AGENT = f"sacli/{__version__}"

# RFC 9110 token characters: what a header name may be made of.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters a header value may not hold (a tab is allowed).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Anything past ASCII: bytes a server may read as Latin-1, UTF-8 or not at all.
_NOT_ASCII = re.compile("[^\x00-\x7f]")
# The body's framing is sacli's own: a header could only make it lie about the body.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


def parse_headers(headers: tuple[str, ...]) -> dict[str, str]:
    """``-H 'Name: value'`` items, checked as HTTP requires; a value is never quoted back (it may be a secret)."""
    parsed: dict[str, str] = {}
    for item in headers:
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--header wants 'Name: value', got {item[:40]!r}")
        if not _HEADER_NAME.fullmatch(name):
            raise UsageError(f"--header {name!r}: a header name is made of letters, digits and !#$%&'*+-.^_`|~ only")
        if name.lower() in FRAMING_HEADERS:
            raise UsageError(f"--header cannot set {name}: sacli frames every request body itself")
        value = value.strip(" \t")
        control = _CONTROL.search(value)
        if control:
            raise UsageError(f"--header {name}: the value holds a control character ({control[0]!r})")
        foreign = _NOT_ASCII.search(value)
        if foreign:
            raise UsageError(
                f"--header {name}: the value holds {character_at(value, foreign.start())}, which is not ASCII",
                hint="HTTP carries header values as ASCII: percent-encode it, or send it in the body",
            )
        for known in [k for k in parsed if k.lower() == name.lower()]:
            del parsed[known]  # a later header of the same name (any case) replaces an earlier one
        parsed[name] = value
    return parsed


def check_key(key: str | None, what: str) -> str | None:
    """The key without surrounding blanks; one that holds a control character cannot be sent."""
    if key is None:
        return None
    key = key.strip()
    if _CONTROL.search(key) or " " in key or "\t" in key:
        raise UsageError(f"the {what} holds a space or a control character", hint="check how it is set")
    if not key.isascii():  # a bad paste, a Latin-1 byte: what it holds is never shown
        raise UsageError(f"the {what} holds a character that is not ASCII", hint="keys are ASCII: check how it is set")
    return key or None


def auth_headers(api_key: str | None, super_agent_key: str | None, *, require: str = "any") -> dict[str, str]:
    """Authorization for the OpenRouter key, superAgentKey for the Super Agent key.

    ``require`` is "any" (chat: one key is enough, any OpenAI-compatible server works),
    "super_agent" (the Memory and RAG APIs identify the account by that key) or "none" (a
    public list: the keys that are set are sent, none is needed).
    """
    api_key = check_key(api_key, "OpenRouter key")
    super_agent_key = check_key(super_agent_key, "Super Agent key")
    if require == "super_agent" and not super_agent_key:
        raise AuthError(
            "no Super Agent key configured",
            hint="set SUPER_AGENT_KEY, --super-agent-key or super_agent_key in the config file",
        )
    if not api_key and not super_agent_key and require != "none":
        raise AuthError(
            "no API key configured",
            hint="set OPENROUTER_KEY (and SUPER_AGENT_KEY), or --api-key, or api_key in the config file",
        )
    headers = {}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if super_agent_key:
        headers["superAgentKey"] = super_agent_key
    return headers


SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password")


def redact_header(name: str, value: str) -> str:
    """A header's value as the debug log shows it: anything that may be a secret as ``***``."""
    lowered = name.lower()
    if any(word in lowered for word in SECRET_HEADER_WORDS):
        scheme, _, rest = value.partition(" ")
        return f"{scheme} ***" if rest and scheme.lower() in ("bearer", "basic", "token") else "***"
    return value
