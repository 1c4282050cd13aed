"""What a chat request carries, from the command line's chat options, loaded and checked before anything is sent.

The plain values come over as they are; the ``--schema``, the ``--tools`` with their
``--tool-choice`` and the ``--attach`` files are read and checked here, so that a bad one is a
usage error while nothing has been sent.
"""

from __future__ import annotations

from typing import Any

from sacli.api.chatrequest import ChatParameters, parse_params
from sacli.errors import UsageError


def chat_parameters(chat: Any, *, usage: bool = False) -> ChatParameters:
    """The parameters of the command line's chat options (any object with their attributes)."""
    params = ChatParameters(
        system=chat.system,
        temperature=chat.temperature,
        max_tokens=chat.max_tokens,
        top_p=chat.top_p,
        params=tuple(chat.param or ()),
        session=chat.session,
        save=chat.save,
        rag=chat.rag,
        rag_query=chat.rag_query,
        user_memory=chat.user_memory,
        memory_strategy=chat.memory_strategy,
        user_memory_tokens=chat.user_memory_tokens,
        auto_memory=chat.auto_memory,
        summary_threshold=chat.summary_threshold,
        reasoning_effort=chat.reasoning,
        reasoning_tokens=chat.reasoning_tokens,
        reasoning_summary=chat.reasoning_summary,
        reasoning_enabled=False if chat.no_reasoning else None,
        web=bool(chat.web or chat.web_results is not None or chat.web_engine is not None) and chat.web is not False,
        web_results=chat.web_results,
        web_engine=chat.web_engine,
        service_tier=chat.service_tier,
        usage_accounting=usage,
    )
    if chat.continue_session:
        params = params._replace(session=continued(chat))
    if chat.reasoning is not None and chat.reasoning_tokens is not None:
        raise UsageError("--reasoning and --reasoning-tokens cannot be used together: give one")
    if chat.no_reasoning and (chat.reasoning, chat.reasoning_tokens, chat.reasoning_summary) != (None, None, None):
        raise UsageError("--no-reasoning cannot be used with --reasoning, --reasoning-tokens or --reasoning-summary")
    if chat.provider:
        from sacli.chat.provider import provider_preferences

        params = params._replace(provider=provider_preferences(list(chat.provider)))
    if chat.schema is not None:
        from sacli.chat.schema import load_schema

        params = params._replace(schema=load_schema(chat.schema))
    if chat.tools is not None:
        from sacli.chat.tools import load_tools

        params = params._replace(tools=load_tools(chat.tools))
    if chat.tool_choice is not None:
        from sacli.chat.tools import tool_choice

        if not params.tools and "tools" not in parse_params(params.params):
            raise UsageError(
                f"--tool-choice {chat.tool_choice} needs tools to choose from", hint="give them with --tools FILE"
            )
        params = params._replace(tool_choice=tool_choice(chat.tool_choice, params.tools))
    if chat.attach:
        from sacli.chat.attachments import load_attachments

        params = params._replace(attachments=load_attachments(list(chat.attach)))
    return params


def continued(chat: Any) -> str:
    """``--continue``: the session sacli last used or created."""
    from sacli.store.state import last_session

    if chat.session is not None:
        raise UsageError("--continue and --session cannot be used together")
    session = last_session()
    if session is None:
        raise UsageError(
            "no session to continue yet",
            hint="start one with sacli chat --new-session or sacli sessions create, or give --session ID",
        )
    return session


def attaches_stdin(chat: Any) -> bool:
    return "-" in (chat.attach or ())


def check_events(options: Any) -> None:
    """--events replaces the text with events, --json with the server's JSON: one or the other."""
    if options.events and options.json:
        raise UsageError(
            "--events and --json cannot be used together: --events writes sacli's events, --json the server's chunks"
        )
