"""A single prompt, a single reply: ``sacli stream`` and one-shot ``sacli chat``.

A streamed request writes each piece of the reply the moment it arrives. A request sent with
``stream: false`` promises the answer at once, so its reply is held until it is complete and
then written in one go, also when the server streams it anyway: a script gets the whole
answer or, on failure, nothing but the error. With ``--json`` it gets one chat.completion
object on one line; chunks of a streamed answer are merged into one.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sacli.api.chatrequest import ChatParameters
from sacli.api.client import ApiClient
from sacli.api.completions import completion_of_lines, error_of_lines
from sacli.api.sessions import check_session_id
from sacli.api.waits import AnnouncedWaits
from sacli.chat.conversation import Conversation
from sacli.chat.events import EventStream
from sacli.chat.exchangelog import ExchangeLog
from sacli.chat.heldreply import HeldReply
from sacli.chat.prompt import build_prompt, read_stdin
from sacli.chat.replycache import ReplyCache, answered_from, replayed
from sacli.chat.replydisplay import ReplyDisplay, ReplyOptions
from sacli.chat.replynotes import refused
from sacli.chat.spending import Spending
from sacli.errors import AuthError, SacliError, Stop
from sacli.store.logquery import new_id
from sacli.store.state import remember_session
from sacli.term.stderr import MESSAGES


def run_one_shot(
    api: ApiClient,
    words: list[str],
    *,
    params: ChatParameters,
    options: ReplyOptions,
    use_stdin: bool,
    stream: bool,
    command: str = "stream",
    new_session: bool = False,
    log: ExchangeLog | None = None,
    continued: bool = False,
    history: list[dict[str, Any]] | None = None,
    spending: Spending | None = None,
    cache: ReplyCache | None = None,
    events: EventStream | None = None,
) -> None:
    """Ask once; ``use_stdin``: standard input, when it is not a terminal, is part of the prompt.
    ``log`` logs the exchange; ``continued``: its session came from --continue; ``history``: earlier
    messages sent before the prompt (--reply-to); ``spending``: the limits on what it may cost;
    ``cache``: --cache, which may answer it from the local log; ``events``: --events, the stream the reply
    is written to as events."""
    messages = MESSAGES
    require_keys(api, params, new_session=new_session)  # no key: fail before waiting on stdin
    stdin_text = read_stdin(messages.notice) if use_stdin else None
    # The conversation given whole (-p messages=), or an attachment alone, needs no prompt.
    optional = params.given_messages() is not None or bool(params.attachments)
    prompt = build_prompt(words, stdin_text, command=command, optional=optional)
    conversation = Conversation(params, model=api.settings.model, session_pending=new_session, history=history)
    check_session_id(conversation.session, messages.warn)
    body = conversation.body(prompt, stream=stream)  # a bad --param fails here, before any request
    display = ReplyDisplay(api, options, output=events)
    output = display.output
    held = None if stream else HeldReply()
    attempt = meter = None
    hit = cache.lookup(api.settings.base_url, body) if cache is not None and not conversation.session_pending else None
    if hit is not None:
        spending = None  # an answer from the cache sends nothing and costs nothing
    try:
        with api:
            if spending is not None:
                meter = spending.before(body)  # the budget and the worst case, before anything is sent
            if conversation.session_pending:
                session = conversation.start_session(api, prompt)
                remember_session(session)
                messages.notice(f"new session {session}")
                body = conversation.body(prompt, stream=stream)
            attempt = log.begin(body, continued=continued) if log is not None and log.on else None
            if events is not None:
                events.log_id = attempt.id if attempt is not None else None
                events.start(body, attempt.id if attempt is not None else new_id())
                waits = api.transport.waits
                if isinstance(waits, AnnouncedWaits):
                    waits.listener = events.retry
            keep_text = params.schema is not None
            # A reply held whole is paid for once it arrives: only its worst case is checked, before.
            metered = meter if stream else None
            if hit is not None:
                messages.notice(answered_from(hit))
                reply = display.ask(body, output=held, keep_text=keep_text, attempt=attempt, replayed=replayed(hit))
                reply.cache_status = "local"
            else:
                extra = cache.server_headers() if cache is not None else None
                reply = display.ask(
                    body, output=held, keep_text=keep_text, attempt=attempt, meter=metered, extra_headers=extra
                )
            if spending is not None:
                spending.settle(reply, body, meter)
            if conversation.session is not None:
                remember_session(conversation.session)  # for --continue: the request with it succeeded
    except BaseException as error:
        if held is not None and options.json and isinstance(error, SacliError):
            document = error.payload or error_of_lines(held.text().splitlines())
            if document is not None:
                output.write_line(document)
        # On a terminal, end the partial line so the error or the shell prompt starts clean;
        # in a pipe or a file stdout stays exactly what was received.
        if output.is_terminal:
            with contextlib.suppress(Stop, SacliError):
                output.end_line()
        if spending is not None and display.last_reply is not None:
            with contextlib.suppress(SacliError):
                spending.settle(display.last_reply, body, meter)  # what the part that came cost
        if attempt is not None and log is not None:
            log.end(attempt, error)
        raise
    try:
        if held is not None:
            output.write(completion_of_lines(held.text().splitlines()) + "\n" if options.json else held.text())
        display.finish(reply)
        refusal = refused(reply)
        if refusal is not None:
            raise refusal
        if params.schema is not None and not reply.tool_calls:
            from sacli.chat.schema import check_reply

            check_reply("".join(reply.text), params.schema, cut=reply.cut)
    except BaseException as error:
        if attempt is not None and log is not None:
            log.end(attempt, error)
        raise
    if attempt is not None and log is not None:
        log.end(attempt)


def require_keys(api: ApiClient, params: ChatParameters, *, new_session: bool) -> None:
    """A key for the chat; the Super Agent key too when a session is used (the Memory API's account)."""
    if (params.session or new_session) and not api.settings.super_agent_key and not api.replaying:
        what = "--session" if params.session else "--new-session"
        raise AuthError(
            f"{what} needs the Super Agent key: sessions belong to its account",
            hint="set SUPER_AGENT_KEY, --super-agent-key or super_agent_key in the config file",
        )
    api.headers()
