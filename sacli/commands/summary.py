"""sacli batch summary: the comparison of the models of batch records already written (sacli batch's output,
or the outputs of its --shard's joined with cat), the same that sacli batch shows at its end."""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.options import Json


def summary(
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="[FILE]...", help="Batch records; stdin when none or -.", show_default=False),
    ] = None,
    *,
    json: Json = False,
) -> None:
    """Compare the models of batch records: answered, time to first token and in all, tokens, cost, schema."""
    import sys

    from sacli.batch.summary import summarise_files
    from sacli.commands.support.summaryview import show_summary
    from sacli.errors import UsageError
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json

    paths = files or ["-"]
    if paths.count("-") > 1:
        raise UsageError("stdin (-) can be read only once")
    if "-" in paths and (sys.stdin is None or (sys.stdin.isatty() and not files)):
        raise UsageError(
            "sacli batch summary reads batch records from FILE or a pipe", hint="sacli batch summary answers.jsonl"
        )
    document = summarise_files(paths, sys.stdin.buffer if sys.stdin is not None else None).document()
    out = Output()
    if json:
        emit_json(out, document)
    else:
        show_summary(out, document)
