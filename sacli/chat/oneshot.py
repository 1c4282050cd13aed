"""A single prompt, a single reply: ``sacli stream`` and one-shot ``sacli chat``.

A streamed request writes each piece of the reply the moment it arrives. A request sent with
``stream: false`` promises the answer at once, so its reply is held until it is complete and
then written in one go, also when the server streams it anyway: a script gets the whole
answer or, on failure, nothing but the error. With ``--json`` it gets one chat.completion
object on one line; chunks of a streamed answer are merged into one.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sacli.api.chatrequest import ChatParameters
from sacli.api.client import ApiClient
from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.api.sessions import check_session_id
from sacli.chat.conversation import Conversation
from sacli.chat.prompt import build_prompt, read_stdin
from sacli.chat.replydisplay import Asker, ReplyOptions
from sacli.errors import ApiError, AuthError, SacliError, Stop
from sacli.store.state import remember_session
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output


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
) -> None:
    """Ask once; ``use_stdin``: standard input, when it is not a terminal, is part of the prompt."""
    messages = MESSAGES
    require_keys(api, params, new_session=new_session)  # no key: fail before waiting on stdin
    stdin_text = read_stdin(messages.notice) if use_stdin else None
    prompt = build_prompt(words, stdin_text, command=command, optional=params.given_messages() is not None)
    conversation = Conversation(params, model=api.settings.model, session_pending=new_session)
    check_session_id(conversation.session, messages.warn)
    body = conversation.body(prompt, stream=stream)  # a bad --param fails here, before any request
    asker = Asker(api, options)
    output = asker.output
    held = None if stream else HeldOutput()
    try:
        with api:
            if conversation.session_pending:
                session = conversation.start_session(api, prompt)
                remember_session(session)
                messages.notice(f"new session {session}")
                body = conversation.body(prompt, stream=stream)
            reply = asker.ask(body, output=held, keep_text=params.schema is not None)
            if conversation.session is not None:
                remember_session(conversation.session)  # for --continue: the request with it succeeded
    except BaseException as error:
        if held is not None and options.json and isinstance(error, SacliError):
            document = error_document(held, error)
            if document is not None:
                output.write_line(document)
        # On a terminal, end the partial line so the error or the shell prompt starts clean;
        # in a pipe or a file stdout stays exactly what was received.
        if output.is_terminal:
            with contextlib.suppress(Stop, SacliError):
                output.end_line()
        raise
    if held is not None:
        output.write(held.release(json_mode=options.json))
    asker.finish(reply)
    if params.schema is not None and not reply.tool_calls:
        from sacli.chat.schema import check_reply

        check_reply("".join(reply.text), params.schema)


def require_keys(api: ApiClient, params: ChatParameters, *, new_session: bool) -> None:
    """A key for the chat; the Super Agent key too when a session is used (the Memory API's account)."""
    if (params.session or new_session) and not api.settings.super_agent_key and not api.replaying:
        what = "--session" if params.session else "--new-session"
        raise AuthError(
            f"{what} needs the Super Agent key: sessions belong to its account",
            hint="set SUPER_AGENT_KEY, --super-agent-key or super_agent_key in the config file",
        )
    api.headers()


class HeldOutput(Output):
    """Takes the place of stdout until the whole reply has arrived.

    It counts as started once anything is held, so a failed attempt is not retried over a
    half-read reply; the spinner keeps turning until the reply is complete.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        if text:
            self.started = True
            self.ends_with_newline = text[-1] == "\n"
            self.parts.append(text)
            self.size += len(text)
            if self.size > JSON_BODY_LIMIT:
                raise ApiError(f"the reply is larger than {mib(JSON_BODY_LIMIT)}; sacli stopped reading it")

    def lines(self) -> list[str]:
        return "".join(self.parts).splitlines()

    def release(self, *, json_mode: bool) -> str:
        """The text to write now that the reply is complete."""
        if not json_mode:
            return "".join(self.parts)
        lines = self.lines()
        if len(lines) == 1 and not _is_chunk(_object(lines[0])):
            return lines[0] + "\n"  # the server's chat.completion, as it sent it
        chunks = [obj for obj in map(_object, lines) if obj is not None]
        return json.dumps(merge_chunks(chunks), ensure_ascii=False, separators=(",", ":")) + "\n"


def error_document(held: HeldOutput, error: SacliError) -> str | None:
    """What ``--json`` writes for a failed reply: the server's error JSON, if it sent one."""
    if error.payload:
        return error.payload
    lines = held.lines()
    if lines:
        last = _object(lines[-1])
        if last is not None and "error" in last:
            return lines[-1]
    return None


def merge_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One chat.completion made of a streamed reply's chunks: their text, finish reason and usage."""
    first = chunks[0] if chunks else {}
    merged: dict[str, Any] = {key: first[key] for key in ("id", "created", "model") if key in first}
    merged["object"] = "chat.completion"
    role = "assistant"
    content: list[str] = []
    finish_reason = None
    usage = None
    for chunk in chunks:
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            choice = choices[0]
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if isinstance(delta.get("role"), str):
                    role = delta["role"]
                if isinstance(delta.get("content"), str):
                    content.append(delta["content"])
            finish_reason = choice.get("finish_reason") or finish_reason
        usage = chunk.get("usage") or usage
    merged["choices"] = [
        {"index": 0, "message": {"role": role, "content": "".join(content)}, "finish_reason": finish_reason}
    ]
    if usage:
        merged["usage"] = usage
    return merged


def _object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_chunk(payload: dict[str, Any] | None) -> bool:
    if payload is None:
        return False
    if payload.get("object") == "chat.completion.chunk":
        return True
    choices = payload.get("choices")
    return isinstance(choices, list) and any(isinstance(c, dict) and "delta" in c for c in choices)
