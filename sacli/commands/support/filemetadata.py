"""A file's ``metadata`` from the command line: ``--metadata`` as a JSON object, or built from
``--category`` and ``--tag``. ``sacli upload`` sends it with each file, ``sacli files update``
as the file's new metadata; either checks it before anything is sent (exit 2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from sacli.cli.options import TEXT, flag
from sacli.errors import UsageError
from sacli.readers.jsontext import JsonProblem, parse_json

METADATA_PANEL = "Metadata"

Category = Annotated[
    str | None,
    flag(
        "--category",
        help="metadata.category: the file's category.",
        panel=METADATA_PANEL,
        metavar="NAME",
        click_type=TEXT,
    ),
]
Tags = Annotated[
    list[str] | None,
    flag("--tag", help="A metadata.tags entry (repeatable).", panel=METADATA_PANEL, metavar="TAG", click_type=TEXT),
]
Metadata = Annotated[
    str | None,
    flag(
        "--metadata",
        help="The whole metadata as a JSON object (instead of --category and --tag).",
        panel=METADATA_PANEL,
        metavar="JSON",
        click_type=TEXT,
    ),
]


def file_metadata(*, category: str | None, tags: Sequence[str], metadata: str | None) -> dict[str, Any] | None:
    """The metadata object; None when none of the three options was given."""
    if metadata is not None:
        if category is not None or tags:
            raise UsageError("--metadata gives the whole metadata; it cannot be combined with --category or --tag")
        try:
            value = parse_json(metadata)
        except JsonProblem as problem:
            raise UsageError(f"--metadata is not valid JSON: {problem}") from None
        if not isinstance(value, dict):
            raise UsageError('--metadata must be a JSON object, e.g. \'{"category":"docs","tags":["a"]}\'')
        return value
    built: dict[str, Any] = {}
    if category is not None:
        built["category"] = category
    if tags:
        built["tags"] = list(tags)
    return built or None
