"""sacli stream: write the reply to stdout as it arrives."""

from typing import Annotated

import typer

from sacli.cli.options import ChatOptions, ConnectionOptions, OutputOptions, options


@options(conn=ConnectionOptions, chat=ChatOptions, out=OutputOptions)
def stream(
    prompt: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PROMPT...",
            help="The prompt; stdin is appended after a blank line when it is not a terminal.",
        ),
    ] = None,
    *,
    no_stream: Annotated[
        bool,
        typer.Option(
            "--no-stream",
            help="Send stream: false and print the content once the whole reply has arrived.",
            rich_help_panel="Output",
            show_default=False,
        ),
    ] = False,
    conn: ConnectionOptions,
    chat: ChatOptions,
    out: OutputOptions,
) -> None:
    """Stream a reply: each piece of text goes to stdout the moment it arrives.

    The prompt is the arguments joined by spaces; when stdin is not a terminal it is read to
    the end and becomes the prompt (or follows the arguments after a blank line).
    """
    from sacli.chat.oneshot import run_one_shot
    from sacli.chat.parameters import attaches_stdin, chat_parameters
    from sacli.commands.support.connect import connect

    api = connect(conn, model=chat.model)
    params = chat_parameters(chat, usage=out.usage)
    run_one_shot(
        api,
        prompt or [],
        params=params,
        options=out,
        use_stdin=not out.no_stdin and not attaches_stdin(chat),
        stream=not no_stream,
    )
