"""A single prompt, a single reply: ``sacli stream`` and one-shot ``sacli chat``."""

from __future__ import annotations

import contextlib

from sacli.errors import Stop
from sacli.exchange import Exchange, chat_parameters, warn_if_not_uuid
from sacli.options import ChatOptions, ConnectionOptions, OutputOptions
from sacli.prompt import build_prompt, read_stdin
from sacli.request import chat_body, first_turn
from sacli.runtime import Runtime


def run_one_shot(
    words: list[str], *, conn: ConnectionOptions, chat: ChatOptions, out: OutputOptions, stream: bool
) -> None:
    runtime = Runtime(conn, model=chat.model)
    messages = runtime.messages
    stdin_text = None if out.no_stdin else read_stdin(messages.notice)
    prompt = build_prompt(words, stdin_text)
    params = chat_parameters(chat)
    warn_if_not_uuid(params.session, messages)
    body = chat_body(params, model=runtime.settings.model, messages=first_turn(params, prompt), stream=stream)
    exchange = Exchange(runtime, out)
    output = exchange.output
    try:
        with runtime.transport() as transport:
            reply = exchange.send(transport, body)
    except BaseException:
        # On a terminal, end the partial line so the error or the shell prompt starts clean;
        # in a pipe or a file stdout stays exactly what was received.
        if output.is_terminal and output.started and not output.ends_with_newline:
            with contextlib.suppress(Stop):
                output.write("\n")
        raise
    runtime.deadline.cancel()
    exchange.finish(reply)
