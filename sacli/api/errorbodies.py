"""Reading the error bodies servers send: OpenAI, OpenRouter, {success:false} and proxy pages."""

from __future__ import annotations

import re
from typing import Any

from sacli.readers.jsontext import JsonProblem, one_line, parse_json

_TAG = re.compile(r"<[^>]*>")
# What a browser would not show: comments, scripts and style sheets (a proxy's error page often
# starts with a <style> block, which would otherwise be its "first line").
_HIDDEN = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def error_message(error: Any, body: Any = None) -> str:
    """The message of an ``error`` value: an object with message/code/type, or a string."""
    if isinstance(error, dict):
        message = error.get("message") or error.get("type") or ""
        code = error.get("code")
        if code is not None and str(code) not in str(message):
            message = f"{message} (code {code})" if message else f"code {code}"
        return str(message) or one_line(error)
    if isinstance(error, str) and error:
        return error
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return ""


def describe_error_body(body: bytes, content_type: str) -> tuple[str, str | None]:
    """(message, the JSON body as one line or None) for an HTTP error reply."""
    text = body.decode("utf-8", "replace")
    try:
        parsed = parse_json(text)
    except JsonProblem:
        return first_line(text, html="html" in content_type or text.lstrip().startswith("<")), None
    if isinstance(parsed, dict):
        return error_message(parsed.get("error"), parsed), one_line(parsed)
    return first_line(text), one_line(parsed)


def first_line(text: str, *, html: bool = False, limit: int = 200) -> str:
    if html:
        from html import unescape  # only for HTML error pages: keeps it off the start-up path

        text = unescape(_TAG.sub("\n", _HIDDEN.sub("\n", text)))
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[: limit - 3] + "..."
    return ""


_LIMIT_WORDS = re.compile(r"\b(limit|budget)\b.*\b(exceeded|reached)\b|\binsufficient (credits|balance|funds)\b", re.I)


def spending_limit(body: Any) -> str | None:
    """When an error body says a spending limit was reached (a key's, a guardrail's, the account's
    credits): what it names of the limit and when it resets, as a clause (empty when it names
    nothing); None when the error is about something else."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else {}
    source = error.get("limit_source") or metadata.get("limit_source")
    resets = error.get("resets_at") or metadata.get("resets_at")
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    if source is None and resets is None and not _LIMIT_WORDS.search(message):
        return None
    parts = []
    if isinstance(source, str) and source:
        parts.append(f"the {one_line(source)[:40].strip(chr(34))}'s limit")
    if isinstance(resets, (str, int, float)) and not isinstance(resets, bool):
        parts.append(f"resets at {str(resets)[:40]}")
    return ", ".join(parts)
