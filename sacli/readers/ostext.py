"""Text the operating system hands over: arguments, environment variables, file names.

Python gives them as ``str`` whatever bytes they were: a byte that is not UTF-8 arrives as a
lone surrogate (U+DC80 to U+DCFF, PEP 383's surrogate escape), which no encoder takes. These
say where such a byte is, show the text with it escaped, or replace it, so that what sacli
sends is UTF-8 and what it refuses is named.
"""

from __future__ import annotations

import functools
import re


@functools.cache
def _surrogate() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")  # compiled on the first text that needs it, not at every start


def not_utf8(text: str) -> str | None:
    """Where ``text`` stops being UTF-8, as "the byte 0xE9 at offset 3" (offsets in bytes), or None."""
    try:
        text.encode("utf-8")  # at C speed: the usual text passes here
    except UnicodeEncodeError as exc:
        return character_at(text, exc.start)
    return None


def character_at(text: str, index: int) -> str:
    """The character at ``index`` as a message names it, with its offset in bytes: "'é' at offset 3",
    "the byte 0xE9 at offset 3". Everything before ``index`` must be UTF-8 (it is the first one found)."""
    offset = len(text[:index].encode("utf-8"))
    code = ord(text[index])
    if 0xDC80 <= code <= 0xDCFF:
        return f"the byte 0x{code - 0xDC00:02X} at offset {offset}"
    if 0xD800 <= code <= 0xDFFF:
        return f"the lone surrogate U+{code:04X} at offset {offset}"
    return f"{text[index]!r} at offset {offset}"


def escaped(text: str, limit: int = 60) -> str:
    """``text`` as a message may quote it: a byte that is not UTF-8 as ``\\xE9``, cut at ``limit``."""
    escaped = _surrogate().sub(_escape, text)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04X}"


def as_utf8(text: str) -> str:
    """``text`` with each byte that is not UTF-8 replaced by U+FFFD."""
    return text if not_utf8(text) is None else _surrogate().sub("\ufffd", text)
