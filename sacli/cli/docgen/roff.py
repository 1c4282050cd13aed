"""roff for the man page: escaping, inline markup, paragraphs."""

from __future__ import annotations

import re

_UNICODE = re.compile(r"[^\x00-\x7f]")


def roff_escape(text: str) -> str:
    """Text safe on a roff line: backslashes, minus signs, quotes and non-ASCII escaped.

    Every ``-`` becomes ``\\-`` (a plain hyphen may render as U+2010, which breaks options,
    URLs and commands copied from the page) and quotes become their ASCII glyphs.
    """
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = text.replace("'", "\\(aq").replace("`", "\\(ga").replace('"', "\\(dq")
    return _UNICODE.sub(lambda m: f"\\[u{ord(m.group()):04X}]", text)


_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")


def roff_inline(text: str) -> str:
    """Escape prose, showing markdown ``code`` and ``**strong**`` in bold."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(roff_escape(text[position : match.start()]))
        out.append(f"\\fB{roff_escape(match.group(1) or match.group(2))}\\fR")
        position = match.end()
    out.append(roff_escape(text[position:]))
    return "".join(out)


def roff_line(text: str) -> str:
    """A text line: a leading dot or apostrophe would make it a request, so guard it."""
    return "\\&" + text if text.startswith((".", "'")) else text


def roff_paragraphs(text: str) -> list[str]:
    """Help text (markdown-ish, as Typer shows it) as roff paragraphs and bullet lists."""
    text = text.split("\f", 1)[0]  # click's marker: what follows is not for users
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        rows = [row.strip() for row in paragraph.strip().splitlines() if row.strip() and row.strip() != "\b"]
        if not rows:
            continue
        if all(row.startswith(("- ", "* ")) for row in rows):
            for row in rows:
                lines += [".IP \\(bu 2", roff_line(roff_inline(row[2:]))]
        else:
            lines += [".PP", roff_line(roff_inline(" ".join(rows)))]
    return lines
