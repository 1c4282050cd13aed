"""sacli schema: the JSON Schemas of what sacli writes for programs, to validate against or generate from."""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.options import TEXT

KINDS = ("events", "batch")


def schema(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="events|batch", help="events: the lines of --events; batch: a batch record.", click_type=TEXT
        ),
    ],
) -> None:
    """Print the JSON Schema of --events (events) or of a batch record (batch)."""
    import json

    from sacli.chat.eventschema import SCHEMAS
    from sacli.errors import UsageError
    from sacli.term.stdout import Output

    if kind not in SCHEMAS:
        raise UsageError(f"sacli schema takes {' or '.join(KINDS)}, not {kind!r}")
    Output().write(json.dumps(SCHEMAS[kind], indent=2) + "\n")
