"""``--schema``: the JSON Schema a reply must match, loaded and checked before anything is sent.

A schema stays local: a ``$ref`` resolves only inside the schema itself (``#/$defs/...``, an
anchor, a subschema's ``$id``); any other reference (a URL, a file) is refused when the schema is
loaded, exit 2, before any request, and nothing is ever fetched to check a reply. jsonschema is
imported only here, and only when a schema is given. A reply that is not JSON, or does not
match, is a ``SchemaMismatch`` (exit 9) naming the first violation: its JSON path and its reason.
"""

from __future__ import annotations

from typing import Any

from sacli.errors import SchemaMismatch, UsageError
from sacli.readers.jsontext import JsonProblem, parse_json, user_object
from sacli.readers.localfiles import TooLarge, read_bounded, size_words

SCHEMA_FILE_LIMIT = 4 * 1024 * 1024
REPLY_LIMIT = 16 * 1024 * 1024  # the most of a reply held to be checked


def load_schema(argument: str) -> dict[str, Any]:
    """The schema given as JSON text, or as ``@FILE``."""
    if argument.startswith("@"):
        path = argument[1:]
        try:
            text: str | bytes = read_bounded(path, SCHEMA_FILE_LIMIT)
        except OSError as exc:
            raise UsageError(f"--schema: cannot read {path}: {exc.strerror or exc}") from None
        except TooLarge as exc:
            raise UsageError(f"--schema: cannot read {path}: {exc}") from None
    else:
        text = argument
    example = '--schema must be a JSON Schema object, e.g. \'{"type": "object"}\''
    return checked_schema(user_object(text, not_json="--schema is not valid JSON", not_object=example), "--schema")


def checked_schema(schema: dict[str, Any], what: str) -> dict[str, Any]:
    """``schema`` when it is a valid JSON Schema whose every ``$ref`` resolves inside it; a usage error otherwise."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        raise UsageError(f"{what} is not a valid JSON Schema: at {where}: {exc.message}") from None
    except RecursionError:
        raise UsageError(f"{what} is not a valid JSON Schema: it is nested too deep") from None
    for ref in references(schema):
        problem = _unresolved(schema, ref)
        if problem is not None:
            raise UsageError(f"{what}: $ref {ref!r} {problem}", hint="a schema's references stay inside it")
    return schema


def references(value: Any) -> list[str]:
    """Every ``$ref`` in the schema (walked without recursion)."""
    found: list[str] = []
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node["$ref"])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def _unresolved(schema: dict[str, Any], ref: str) -> str | None:
    """Why ``ref`` does not resolve inside ``schema`` (None when it does)."""
    from referencing.exceptions import Unresolvable

    try:
        local_registry(schema).resolver().lookup(ref)
    except Unresolvable:
        return "does not resolve inside the schema" if ref.startswith("#") else "points outside the schema"
    return None


def local_registry(schema: dict[str, Any]) -> Any:
    """The schema and the subschemas it names with ``$id``, and nothing else: no reference is ever fetched."""
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource
    from referencing.jsonschema import specification_with

    specification = specification_with(validator_for(schema).META_SCHEMA.get("$schema", ""))
    resource = Resource.from_contents(schema, default_specification=specification)
    return Registry().with_resource("", resource).crawl()


def check_reply(text: str, schema: dict[str, Any], *, cut: bool = False) -> None:
    """Nothing when ``text`` is JSON that matches ``schema``; else the first violation, as exit 9.
    ``cut``: the reply was longer than what was kept of it."""
    if cut or len(text) > REPLY_LIMIT:
        raise SchemaMismatch(f"the reply is larger than {size_words(REPLY_LIMIT)}: too large to check against --schema")
    try:
        value = parse_json(text)
    except JsonProblem as exc:
        raise SchemaMismatch(f"the reply does not match --schema: it is not JSON ({exc})") from None
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema, registry=local_registry(schema))
    for error in validator.iter_errors(value):
        raise SchemaMismatch(f"the reply does not match --schema: at {error.json_path}: {error.message}")
