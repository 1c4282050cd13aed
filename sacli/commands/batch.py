"""sacli batch: many prompts in one process, over one connection pool, one JSON line per answer.

Input: JSON Lines from FILE or stdin (sacli.batch.items). Output: one record per item as
it completes, ``{"id", "text", "finish_reason", "usage", "error"}``, or in input order with
--ordered. Exit 0 when every item succeeded, 10 when any failed; a bad option or an unreadable
FILE is 2 before anything is sent.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sacli.cli.options import ChatOptions, ConnectionOptions, options

BATCH_PANEL = "Batch"


@options(conn=ConnectionOptions, chat=ChatOptions)
def batch(
    file: Annotated[
        str | None,
        typer.Argument(metavar="[FILE]", help="JSON Lines of prompts; stdin when absent or -.", show_default=False),
    ] = None,
    *,
    parallel: Annotated[
        int,
        typer.Option(
            "--parallel", "-P", metavar="N", min=1, max=256, help="Requests at once.", rich_help_panel=BATCH_PANEL
        ),
    ] = 4,
    ordered: Annotated[
        bool,
        typer.Option(
            "--ordered", help="Write the records in input order.", rich_help_panel=BATCH_PANEL, show_default=False
        ),
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="FILE",
            help="Skip the ids a previous run's output FILE answered without an error.",
            rich_help_panel=BATCH_PANEL,
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Only the items whose 0-based input index i has i % N == K - 1.",
            rich_help_panel=BATCH_PANEL,
            show_default=False,
        ),
    ] = None,
    conn: ConnectionOptions,
    chat: ChatOptions,
) -> None:
    """Answer many prompts: JSON Lines in, one JSON line per answer out, as each completes.

    Each input line is {"id": ..., "prompt": "..."} or {"id": ..., "messages": [...]}, with
    optional model, system, temperature, max_tokens, schema and attach; the options are the
    defaults of every line. Each record is {"id", "text", "finish_reason", "usage", "error"},
    error being null or {"message", "exit_code"}. Exit 10 when any item failed.
    """
    from sacli.batch.items import finished_ids
    from sacli.batch.pause import SharedPause
    from sacli.batch.run import BatchRun
    from sacli.chat.parameters import attaches_stdin, chat_parameters
    from sacli.commands.support.connect import connect
    from sacli.errors import BatchFailed, UsageError
    from sacli.term.batchprogress import BatchProgress
    from sacli.term.stderr import MESSAGES
    from sacli.term.stdout import Output

    where = shard_of(shard)
    from_stdin = file in (None, "-")
    if from_stdin and attaches_stdin(chat):
        raise UsageError("--attach - and the batch cannot both read standard input")
    lines = open_input(file)
    api = connect(conn, model=chat.model, pool=parallel)
    params = chat_parameters(chat)
    done = finished_ids(resume) if resume is not None else set()
    total = None if from_stdin or not MESSAGES.decorative else count_items(file)
    if total is not None and where is not None:
        k, n = where
        total = max(0, (total - k + n) // n)  # the indices k-1, k-1+n, ... below total
    progress = BatchProgress(MESSAGES, total=total)
    with api:
        run = BatchRun(
            api,
            params,
            parallel=parallel,
            ordered=ordered,
            done=done,
            shard=where,
            on_progress=progress.update,
            pause=SharedPause(MESSAGES, time_scale=api.transport.time_scale),
        )
        counts = run.run(lines, Output())
    progress.end(counts)
    if counts["failed"]:
        finished = counts["done"] + counts["failed"]
        raise BatchFailed(f"batch finished with failed items: {counts['failed']} of {finished}")


def shard_of(text: str | None) -> tuple[int, int] | None:
    from sacli.errors import UsageError

    if text is None:
        return None
    k, sep, n = text.partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise UsageError(f"--shard wants K/N with 1 <= K <= N, e.g. 2/8; got {text!r}")


def open_input(file: str | None):  # type: ignore[no-untyped-def]
    """The lines of FILE (or stdin), decoded as UTF-8 with bad bytes replaced (a bad line is its item's error)."""
    import io
    import sys

    from sacli.errors import UsageError

    if file in (None, "-"):
        if sys.stdin is None or (sys.stdin.isatty() and file is None):
            raise UsageError("sacli batch reads JSON Lines from FILE or a pipe", hint="sacli batch prompts.jsonl")
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    try:
        return open(file, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None


def count_items(file: str | None) -> int | None:
    """How many items FILE holds, for the progress bar's total; None when it cannot be read twice."""
    import os

    if file is None or not os.path.isfile(file):
        return None
    with open(file, "rb") as handle:
        return sum(1 for line in handle if line.strip())
