"""The input of ``sacli batch``: JSON Lines of prompts, each made into the body of one request.

A line is ``{"id": ..., "prompt": "..."}`` or ``{"id": ..., "messages": [...]}``, with optional
``model``, ``system``, ``temperature``, ``max_tokens``, ``schema`` (a JSON Schema object) and
``attach`` (a list of files or URLs); the command line's chat options are the defaults of every
line. A line without an ``id`` gets its line number. Blank lines are no items. A line that
cannot be sent becomes an item carrying its error (exit 2, as ``sacli stream`` would give),
so that its record says what was wrong and the other lines go on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sacli.api.chatrequest import ChatParameters, chat_body
from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.errors import SacliError, UsageError
from sacli.readers.jsontext import JsonProblem, one_line, parse_json, user_object
from sacli.readers.localfiles import NoLineEnd, bounded_lines

LINE_LIMIT = JSON_BODY_LIMIT  # one input line: a prompt, or a conversation
RECORD_LINE_LIMIT = 2 * JSON_BODY_LIMIT  # one record of a previous run: a reply of up to JSON_BODY_LIMIT, escaped

FIELDS = frozenset({"id", "prompt", "messages", "model", "system", "temperature", "max_tokens", "schema", "attach"})


@dataclass
class Item:
    index: int  # among the input's items, from 0: what --shard splits on
    number: int  # the line number, from 1
    id: Any
    body: dict[str, Any] | None = None
    schema: dict[str, Any] | None = None
    error: SacliError | None = None


def numbered_lines(lines: BinaryIO) -> Iterator[tuple[int, int, str | None]]:
    """(item index, line number, text) for each line that is not blank; the text is None for a line
    over LINE_LIMIT. Bytes that are not UTF-8 are replaced (the line then fails as not JSON, alone)."""
    index = 0
    for number, data in bounded_lines(lines, LINE_LIMIT):
        if data is None or data.strip():
            yield index, number, None if data is None else data.decode("utf-8", "replace")
            index += 1


def line_id(text: str | None, number: int) -> Any:
    """The id a line gives itself, or its number: what --resume and --shard look at without building the body."""
    try:
        fields = parse_json(text) if text is not None else None
    except JsonProblem:
        return number
    if isinstance(fields, dict) and isinstance(fields.get("id"), str | int) and not isinstance(fields["id"], bool):
        return fields["id"]
    return number


def make_item(index: int, number: int, text: str | None, base: ChatParameters, *, model: str) -> Item:
    item = Item(index=index, number=number, id=line_id(text, number))
    try:
        if text is None:
            raise UsageError(f"the line is longer than {mib(LINE_LIMIT)}")
        item.body, item.schema = _body(text, base, model)
    except SacliError as error:
        error.message = f"line {number}: {error.message}"
        item.error = error
    return item


def _body(text: str, base: ChatParameters, model: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    fields = user_object(text)
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise UsageError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS))})")
    prompt, given = fields.get("prompt"), fields.get("messages")
    if prompt is None and given is None:
        raise UsageError('neither "prompt" nor "messages"')
    if prompt is not None and not isinstance(prompt, str):
        raise UsageError('"prompt" must be a string')
    if given is not None and not (isinstance(given, list) and given and all(isinstance(m, dict) for m in given)):
        raise UsageError('"messages" must be an array of message objects')
    params = base._replace(**_overrides(fields))
    messages: list[dict[str, Any]] = [{"role": "system", "content": params.system}] if params.system else []
    messages += given or []
    if prompt is not None:
        messages.append(params.user_message(prompt))
    chosen = fields.get("model", model)
    if not isinstance(chosen, str) or not chosen:
        raise UsageError('"model" must be a model ID')
    return chat_body(params, model=chosen, messages=messages, stream=True), params.schema


def _overrides(fields: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "system" in fields:
        if not isinstance(fields["system"], str):
            raise UsageError('"system" must be a string')
        changes["system"] = fields["system"] or None
    for name, low, high in (("temperature", 0, 2), ("max_tokens", 1, None)):
        if name in fields:
            value = fields[name]
            whole = name == "max_tokens"
            if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
                raise UsageError(f'"{name}" must be a {"whole number" if whole else "number"}')
            if value < low or (high is not None and value > high):
                raise UsageError(
                    f'"{name}" must be {f"from {low} to {high}" if high is not None else f"at least {low}"}'
                )
            changes[name] = value
    if "schema" in fields:
        from sacli.chat.schema import checked_schema

        if not isinstance(fields["schema"], dict):
            raise UsageError('"schema" must be a JSON Schema object')
        changes["schema"] = checked_schema(fields["schema"], '"schema"')
    if "attach" in fields:
        from sacli.chat.attachments import load_attachments

        files = fields["attach"]
        if not isinstance(files, list) or not all(isinstance(f, str) and f and f != "-" for f in files):
            raise UsageError('"attach" must be an array of file names or URLs')
        changes["attachments"] = load_attachments(files)
    return changes


def finished_ids(path: str) -> set[str]:
    """``--resume``: the ids a previous run's output answered without an error (as JSON text, so 7 is not "7").

    Lines that are not records (a run killed mid-line cannot leave one, but a hand edit can) are passed over.
    """
    done: set[str] = set()
    try:
        with open(path, "rb") as file:
            for _, data in bounded_lines(file, RECORD_LINE_LIMIT):
                try:
                    record = parse_json(data) if data is not None else None
                except JsonProblem:
                    continue
                if isinstance(record, dict) and "id" in record and record.get("error") is None:
                    done.add(id_key(record["id"]))
    except FileNotFoundError:
        return set()  # the first run of `sacli batch --resume out.jsonl ... >> out.jsonl`
    except (OSError, NoLineEnd) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read --resume {path}: {reason}") from None
    return done


def id_key(value: Any) -> str:
    return one_line(value)


def shard_of(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    k, sep, n = text.partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise UsageError(f"--shard wants K/N with 1 <= K <= N, e.g. 2/8; got {text!r}")


def open_input(file: str | None) -> BinaryIO:
    """FILE (or stdin), to be read line by line (``numbered_lines``)."""
    import sys

    if file in (None, "-"):
        if sys.stdin is None or (sys.stdin.isatty() and file is None):
            raise UsageError("sacli batch reads JSON Lines from FILE or a pipe", hint="sacli batch prompts.jsonl")
        return sys.stdin.buffer
    try:
        return open(file, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None


def count_items(file: str | None) -> int | None:
    """How many items FILE holds, for the progress bar's total; None when it cannot be read twice."""
    if file is None or not os.path.isfile(file):
        return None
    try:
        with open(file, "rb") as handle:
            return sum(1 for _, data in bounded_lines(handle, LINE_LIMIT) if data is None or data.strip())
    except (OSError, NoLineEnd):
        return None
