"""``--schema``: the JSON Schema a reply must match, loaded and checked before anything is sent.

jsonschema is imported only here, and only when ``--schema`` is given. A reply that is not JSON,
or does not match, is a ``SchemaMismatch`` (exit 9) naming the first violation: its JSON path
and its reason.
"""

from __future__ import annotations

import json
from typing import Any

from sacli.errors import SchemaMismatch, UsageError


def load_schema(argument: str) -> dict[str, Any]:
    """The schema given as JSON text, or as ``@FILE``."""
    if argument.startswith("@"):
        path = argument[1:]
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise UsageError(f"--schema: cannot read {path}: {reason}") from None
    else:
        text = argument
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--schema is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise UsageError('--schema must be a JSON Schema object, e.g. \'{"type": "object"}\'')
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        raise UsageError(f"--schema is not a valid JSON Schema: at {where}: {exc.message}") from None
    return schema


def check_reply(text: str, schema: dict[str, Any]) -> None:
    """Nothing when ``text`` is JSON that matches ``schema``; else the first violation, as exit 9."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SchemaMismatch(f"the reply does not match --schema: it is not JSON ({exc})") from None
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    for error in validator.iter_errors(value):
        raise SchemaMismatch(f"the reply does not match --schema: at {error.json_path}: {error.message}")
