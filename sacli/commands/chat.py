"""sacli chat: the whole reply at once, or a conversation on a terminal."""

from typing import Annotated

from sacli.cli.options import (
    MEMORY_PANEL,
    ChatOptions,
    ConnectionOptions,
    LogOptions,
    OutputOptions,
    ReplyTo,
    SpendOptions,
    flag,
    options,
    prompt_argument,
)

NEW_SESSION_HELP = "Create a session through the Memory API (titled after the first message), use it, and show its ID."
NewSession = Annotated[bool, flag("--new-session", help=NEW_SESSION_HELP, panel=MEMORY_PANEL)]


@options(conn=ConnectionOptions, chat=ChatOptions, out=OutputOptions, log=LogOptions, spend=SpendOptions)
def chat(
    prompt: Annotated[list[str] | None, prompt_argument(" Without one, on a terminal, a conversation starts.")] = None,
    *,
    new_session: NewSession = False,
    reply_to: ReplyTo = None,
    conn: ConnectionOptions,
    chat: ChatOptions,
    out: OutputOptions,
    log: LogOptions,
    spend: SpendOptions,
) -> None:
    """Chat: print the whole reply once it has arrived, or hold a conversation on a terminal.

    With a prompt (arguments and/or stdin, as for stream) sacli sends stream: false and writes
    the complete answer to stdout; --json writes the response JSON on one line.

    With no prompt while stdin and stdout are terminals, a conversation starts: replies stream
    as they arrive, /help lists the commands (/model, /edit, /system, /new, ...), a pasted
    block of lines is one message, Ctrl-C stops a reply, Ctrl-D or /exit leaves. With --session
    the server keeps the history, and leaving tells how to resume it; without one sacli keeps
    the history and resends it.
    """
    from sacli.chat.events import event_run
    from sacli.chat.expiry import warn_if_expiring
    from sacli.chat.parameters import attaches_stdin, chat_parameters, check_events
    from sacli.commands.support.connect import connect
    from sacli.commands.support.exchanges import asks_cost, exchange_log, replied_to, reply_cache, spending
    from sacli.errors import UsageError

    with event_run(out.events) as events:
        if new_session and (chat.session or chat.continue_session):
            given = "--session" if chat.session else "--continue"
            raise UsageError(f"--new-session and {given} cannot be used together")
        check_events(out)
        api = connect(conn, model=chat.model)
        params = chat_parameters(chat, usage=asks_cost(out.usage, log, spend))
        warn_if_expiring(api.settings.base_url, api.settings.model)
        limits = spending(spend, log, api)
        exchanges = exchange_log(log, api, "chat", spend, limits)
        if not prompt and not chat.attach:  # an attachment alone is a message: a one-shot answer
            from sacli.term.tty import is_terminal

            if is_terminal(0) and is_terminal(1):
                from sacli.chat.interactive import run_repl

                if out.json or out.events:
                    given = "--json" if out.json else "--events"
                    raise UsageError(
                        f"{given} needs a prompt: a conversation writes its replies as text",
                        hint='for one JSON answer give the prompt: sacli chat --json "..."',
                    )
                if chat.schema or chat.tools or reply_to is not None:
                    raise UsageError("--schema, --tools and --reply-to need a prompt: give one for a one-shot answer")
                run_repl(
                    api, params=params, options=out, new_session=new_session, log=exchanges,
                    continued=chat.continue_session, spending=limits,
                )  # fmt: skip
                return
            if is_terminal(0):
                raise UsageError(
                    "a conversation needs a terminal on standard output too",
                    hint='for a one-shot answer give the prompt: sacli chat "..." > FILE',
                )
        from sacli.chat.oneshot import run_one_shot

        run_one_shot(
            api, prompt or [], params=params, options=out, use_stdin=not out.no_stdin and not attaches_stdin(chat),
            stream=False, command="chat", new_session=new_session, log=exchanges, continued=chat.continue_session,
            history=replied_to(log, reply_to, session=params.session), spending=limits,
            cache=reply_cache(spend, log, api), events=events,
        )  # fmt: skip
