"""The user's message: the arguments joined by spaces, and standard input when it is not a terminal."""

from __future__ import annotations

import os
import select
from collections.abc import Callable

from sacli.errors import UsageError
from sacli.readers.ostext import escaped, not_utf8
from sacli.term.tty import is_terminal

STDIN_SILENCE_NOTICE_SECONDS = 5.0


def read_stdin(notice: Callable[[str], None], *, fd: int = 0) -> str | None:
    """All of stdin as text, or None when stdin is a terminal or closed.

    When nothing arrives for a while, say so once: a CI step that leaves stdin open and
    silent would otherwise hang with no explanation.
    """
    if is_terminal(fd):
        return None
    chunks: list[bytes] = []
    warned = False
    while True:
        if not warned:
            try:
                ready, _, _ = select.select([fd], [], [], STDIN_SILENCE_NOTICE_SECONDS)
            except (OSError, ValueError):
                ready = [fd]
            if not ready:
                notice("waiting for standard input to end (pass --no-stdin to not read it)")
                warned = True
                continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return as_text(b"".join(chunks))


NOT_TEXT_HINT = "the prompt must be text; an image or a PDF goes with --attach FILE, or -a - from stdin"


def as_text(data: bytes) -> str:
    """Standard input as the prompt's text: UTF-8 with no NUL byte, or a usage error naming the offset."""
    nul = data.find(b"\0")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul < 0 or exc.start < nul:
            raise UsageError(
                f"standard input is not UTF-8 text: the bytes at offset {exc.start} are not UTF-8",
                hint=NOT_TEXT_HINT,
            ) from None
        text = ""
    if nul >= 0:
        raise UsageError(f"standard input is not text: a NUL byte at offset {nul}", hint=NOT_TEXT_HINT)
    return text


def build_prompt(words: list[str], stdin_text: str | None, *, command: str = "stream", optional: bool = False) -> str:
    """Arguments, a blank line, then stdin; either alone when the other is empty.

    ``optional``: the message is complete without one (the conversation given whole with
    ``-p messages=``, or an attachment), so no prompt is needed.
    """
    for number, word in enumerate(words, 1):
        problem = not_utf8(word)
        if problem is not None:
            raise UsageError(
                f"argument {number} of the prompt ('{escaped(word, 40)}') is not UTF-8 text: {problem} is not UTF-8",
                hint="sacli reads arguments as UTF-8: convert the text (iconv -t UTF-8), or attach a file with -a",
            )
    args_text = " ".join(words)
    if stdin_text and stdin_text.strip():
        text = f"{args_text}\n\n{stdin_text}" if args_text.strip() else stdin_text
    else:
        text = args_text
    if not text.strip() and not optional:
        raise UsageError(
            "empty prompt: give it as arguments or on standard input", hint=f"see 'sacli {command} --help'"
        )
    return text
