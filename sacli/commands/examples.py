"""sacli examples: the recordings that ship with sacli, to replay with --replay.

Each is a real run recorded against a server that answers as the service does, so replaying one
shows what a live run shows, with no key and no network. ``list`` writes one line per example
(NAME, a tab, what it shows; a table on a terminal); ``path NAME`` writes the file's path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import TEXT

examples_app = command_group("The recorded runs that ship with sacli, to try it with --replay: no key, no network.")

EXAMPLES = {
    "hello": "a streamed reply, paced as the model wrote it (exit 0)",
    "rate-limited": "a 429 with Retry-After, the announced retry, then the reply (exit 0)",
    "cut-short": "a stream whose connection ends mid-reply (exit 6)",
}


def example_path(name: str) -> Path:
    from sacli.errors import UsageError

    if name not in EXAMPLES:
        raise UsageError(f"no example named {name!r}", hint="one of " + ", ".join(EXAMPLES))
    return Path(__file__).resolve().parents[1] / "examples" / f"{name}.jsonl"


def complete_name(incomplete: str) -> list[str]:
    return [name for name in EXAMPLES if name.startswith(incomplete)]


@examples_app.command("list", cls=PanelledCommand)
def list_() -> None:
    """List the examples: NAME and what it shows (wrapped on a terminal, a tab between them in a pipe)."""
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_records

    rows = [{"name": name, "shows": shows} for name, shows in EXAMPLES.items()]
    emit_records(Output(), rows, [("name", "Name", None), ("shows", "Shows", None)], free="shows", wrap=True)


@examples_app.command("path", cls=PanelledCommand)
def path(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The example.", autocompletion=complete_name, show_default=False, click_type=TEXT
        ),
    ],
) -> None:
    """Print the example's file, e.g. sacli stream --replay "$(sacli examples path hello)" "Explain SSE"."""
    from sacli.term.stdout import Output

    Output().write_line(str(example_path(name)))
