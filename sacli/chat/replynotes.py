"""What sacli says on stderr about a complete reply besides its text: a finish reason that cut it,
the sources it cites, a refusal, and with --usage its tokens, cost and web searches. A reply that is
only a refusal is an error (``refused``)."""

from __future__ import annotations

from typing import Any

from sacli.api.reply import Reply
from sacli.errors import Refused
from sacli.term.money import dollars
from sacli.term.stderr import Messages

SHOWN_REFUSAL = 300  # characters of a refusal in its one line


def report_reply(
    reply: Reply, messages: Messages, *, usage: bool, sources: bool = True, conversation: bool = False
) -> None:
    """``sources``: list the sources the reply cites (--events has them as events instead);
    ``conversation``: a refusal alone is a warning too (a one-shot run ends with it as its error)."""
    if reply.finish_reason == "length":
        messages.warn("the reply was cut off at the token limit (finish_reason: length)")
    elif reply.finish_reason == "content_filter":
        messages.warn("the reply was stopped by a content filter (finish_reason: content_filter)")
    if reply.refusal and (reply.answered or conversation):
        also = " also" if reply.answered else ""
        messages.warn(f"the model{also} refused: {_clipped(reply.refusal)}")
    for number, citation in enumerate(reply.citations.items if sources else (), 1):
        title, url = citation["title"], citation["url"]
        messages.notice(f"[{number}] {title} <{url}>" if title else f"[{number}] <{url}>")
    if usage:
        line = format_usage(reply.usage, estimated=reply.cost_estimated)
        if reply.cache_status == "local":
            line += "; answered from sacli's cache"
        elif reply.cache_status:
            line += f"; cache {reply.cache_status}"
        messages.notice(line)


def refused(reply: Reply) -> Refused | None:
    """The error of a reply that is only a refusal: no text, no tool call to run."""
    if reply.refusal and not reply.answered and not reply.tool_calls:
        return Refused(f"the model refused: {_clipped(reply.refusal)}")
    return None


def format_usage(usage: dict[str, Any] | None, *, estimated: bool = False) -> str:
    """``tokens: prompt 20 (3 cached), completion 100 (40 reasoning), total 120; cost $0.00042``."""
    if not usage:
        return "tokens: not reported by the server"
    prompt = f"prompt {usage.get('prompt_tokens', '?')}"
    cached = _detail(usage, "prompt_tokens_details", "cached_tokens")
    if cached:
        prompt += f" ({cached} cached)"
    completion = f"completion {usage.get('completion_tokens', '?')}"
    reasoning = _detail(usage, "completion_tokens_details", "reasoning_tokens")
    if reasoning:
        completion += f" ({reasoning} reasoning)"
    line = f"tokens: {prompt}, {completion}, total {usage.get('total_tokens', '?')}"
    searches = web_searches(usage)
    if searches:
        line += f"; web searches {searches}"
    cost = usage.get("cost")
    if isinstance(cost, int | float) and not isinstance(cost, bool):
        line += f"; cost {dollars(cost, 10)}" + (" (estimated)" if estimated else "")
    return line


def web_searches(usage: dict[str, Any]) -> int | None:
    """How many web searches the server ran for the reply: ``server_tool_use_details`` (or
    ``server_tool_use``) ``.web_search_requests``, or a top-level ``web_search_requests``."""
    for found in (
        _detail(usage, "server_tool_use_details", "web_search_requests"),
        _detail(usage, "server_tool_use", "web_search_requests"),
        usage.get("web_search_requests"),
    ):
        if type(found) is int and found > 0:
            return found
    return None


def _detail(usage: dict[str, Any], group: str, key: str) -> Any:
    details = usage.get(group)
    return details.get(key) if isinstance(details, dict) else None


def _clipped(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_REFUSAL else text[: SHOWN_REFUSAL - 3] + "..."
