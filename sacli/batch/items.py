"""The input of ``sacli batch``: JSON Lines of prompts, each made into the body of one request.

A line is ``{"id": ..., "prompt": "..."}`` or ``{"id": ..., "messages": [...]}``, with optional
``model``, ``system``, ``temperature``, ``max_tokens``, ``schema`` (a JSON Schema object) and
``attach`` (a list of files or URLs); the command line's chat options are the defaults of every
line. Records carry the line's ``id`` (null when it has none) and its ``line`` number (sacli.batch.ids).
Blank lines are no items. ``attach`` names files relative to the input file's folder (the working
directory for stdin). A line that
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
from sacli.readers.jsontext import JsonProblem, parse_json, user_object
from sacli.readers.localfiles import NoLineEnd, bounded_lines

LINE_LIMIT = JSON_BODY_LIMIT  # one input line: a prompt, or a conversation

FIELDS = frozenset(
    {"id", "prompt", "messages", "model", "models", "system", "temperature", "max_tokens", "schema", "attach"}
)


@dataclass
class Item:
    index: int  # among the input's items, from 0: what --shard splits on
    number: int  # the line number, from 1
    id: Any
    model: str | None  # the model asked (None: the line cannot say which)
    key: str  # what --resume matches (sacli.batch.ids), the model aside
    extra: dict[str, Any]  # the record's fields that place it in the input: line, dup
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


def line_fields(text: str | None) -> dict[str, Any] | None:
    """The line's object, or None when it is not one: what --resume and --shard look at."""
    try:
        fields = parse_json(text) if text is not None else None
    except JsonProblem:
        return None
    return fields if isinstance(fields, dict) else None


def line_id(fields: dict[str, Any] | None) -> Any:
    """The id a line gives itself (None when it has none)."""
    return fields["id"] if fields is not None and is_id(fields.get("id")) else None


def line_models(fields: dict[str, Any] | None, models: list[str]) -> list[str | None]:
    """The models the line is asked of: its "models", its "model", else the command line's -m's.
    [None] for a line whose models are not a list of model IDs (its one item fails)."""
    if fields is None:
        return [models[0]] if len(models) == 1 else [None]
    if "models" in fields:
        given = fields["models"]
        if "model" in fields or not _model_list(given):
            return [None]
        return list(dict.fromkeys(given))
    if "model" in fields:
        return [fields["model"] if isinstance(fields["model"], str) and fields["model"] else None]
    return list(models)


def _model_list(value: Any) -> bool:
    return isinstance(value, list) and 0 < len(value) <= 64 and all(isinstance(m, str) and m for m in value)


def is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def make_item(item: Item, text: str | None, base: ChatParameters, *, model: str | None, folder: str | None) -> Item:
    """``item`` with the body of its request, or the error that keeps it from being sent;
    ``folder``: where its ``attach`` files are (None: the working directory)."""
    number = item.number
    try:
        if text is None:
            raise UsageError(f"the line is longer than {mib(LINE_LIMIT)}")
        item.body, item.schema = _body(text, base, model, folder)
    except SacliError as error:
        error.message = f"line {number}: {error.message}"
        item.error = error
    return item


def _body(
    text: str, base: ChatParameters, model: str | None, folder: str | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    fields = user_object(text)
    if "models" in fields:
        if "model" in fields:
            raise UsageError('a line has "model" or "models", not both')
        if not _model_list(fields["models"]):
            raise UsageError('"models" must be an array of up to 64 model IDs')
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise UsageError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS))})")
    if "id" in fields and not is_id(fields["id"]):
        raise UsageError('"id" must be a string or a whole number')
    prompt, given = fields.get("prompt"), fields.get("messages")
    if prompt is None and given is None:
        raise UsageError('neither "prompt" nor "messages"')
    if prompt is not None and not isinstance(prompt, str):
        raise UsageError('"prompt" must be a string')
    if given is not None and not (isinstance(given, list) and given and all(isinstance(m, dict) for m in given)):
        raise UsageError('"messages" must be an array of message objects')
    params = base._replace(**_overrides(fields, folder))
    messages: list[dict[str, Any]] = [{"role": "system", "content": params.system}] if params.system else []
    messages += given or []
    if prompt is not None:
        messages.append(params.user_message(prompt))
    chosen = model if "models" in fields else fields.get("model", model)
    if not isinstance(chosen, str) or not chosen:
        raise UsageError('"model" must be a model ID')
    return chat_body(params, model=chosen, messages=messages, stream=True), params.schema


def _overrides(fields: dict[str, Any], folder: str | None) -> dict[str, Any]:
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
        changes["attachments"] = load_attachments([_beside(name, folder) for name in files])
    return changes


def _beside(name: str, folder: str | None) -> str:
    """An attached file's name as the input file gives it: relative to the input's folder. A URL stays."""
    if not folder or name.lower().startswith(("http://", "https://")) or os.path.isabs(name):
        return name
    return os.path.join(folder, name)


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


def count_items(file: str | None, models: int = 1) -> int | None:
    """How many items FILE holds (each line once per model), for the progress bar's total; None when
    it cannot be read twice."""
    if file is None or not os.path.isfile(file):
        return None
    count = 0
    try:
        with open(file, "rb") as handle:
            for _, data in bounded_lines(handle, LINE_LIMIT):
                if data is None or data.strip():
                    count += _items_of(data, models)
    except (OSError, NoLineEnd):
        return None
    return count


def _items_of(data: bytes | None, models: int) -> int:
    """How many records a line of the input makes: one per model it is asked of, and one alone when
    it is not a JSON object (then it is read only under several -m's, where that differs)."""
    if b'"model' not in (data or b"") and models == 1:
        return 1
    fields = line_fields(data.decode("utf-8", "replace")) if data is not None else None
    if fields is None:
        return 1
    return len(line_models(fields, [""] * models))
