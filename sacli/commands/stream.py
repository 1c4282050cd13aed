"""sacli stream: write the reply to stdout as it arrives."""

from typing import Annotated

from sacli.cli.options import (
    OUTPUT_PANEL,
    ChatOptions,
    ConnectionOptions,
    LogOptions,
    OutputOptions,
    Prompt,
    ReplyTo,
    SpendOptions,
    flag,
    options,
)

NoStream = Annotated[
    bool,
    flag("--no-stream", help="Send stream: false and print the reply once it has arrived whole.", panel=OUTPUT_PANEL),
]


@options(conn=ConnectionOptions, chat=ChatOptions, out=OutputOptions, log=LogOptions, spend=SpendOptions)
def stream(
    prompt: Prompt = None,
    *,
    no_stream: NoStream = False,
    reply_to: ReplyTo = None,
    conn: ConnectionOptions,
    chat: ChatOptions,
    out: OutputOptions,
    log: LogOptions,
    spend: SpendOptions,
) -> None:
    """Stream a reply: each piece of text goes to stdout the moment it arrives.

    The prompt is the arguments joined by spaces; when stdin is not a terminal it is read to
    the end and becomes the prompt (or follows the arguments after a blank line).
    """
    from sacli.chat.events import event_run
    from sacli.chat.expiry import warn_if_expiring
    from sacli.chat.oneshot import run_one_shot
    from sacli.chat.parameters import attaches_stdin, chat_parameters, check_events
    from sacli.commands.support.connect import connect
    from sacli.commands.support.exchanges import asks_cost, exchange_log, replied_to, reply_cache, spending

    with event_run(out.events) as events:
        check_events(out)
        api = connect(conn, model=chat.model)
        params = chat_parameters(chat, usage=asks_cost(out.usage, log, spend))
        warn_if_expiring(api.settings.base_url, api.settings.model)
        run_one_shot(
            api,
            prompt or [],
            params=params,
            options=out,
            use_stdin=not out.no_stdin and not attaches_stdin(chat),
            stream=not no_stream,
            log=exchange_log(log, api, "stream", spend),
            spending=spending(spend, log, api),
            cache=reply_cache(spend, log, api),
            continued=chat.continue_session,
            history=replied_to(log, reply_to, session=params.session),
            events=events,
        )
