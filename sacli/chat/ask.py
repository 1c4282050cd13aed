"""Asking the model: one request to the chat endpoint, its reply on stdout as it arrives, then the report.

A spinner turns on stderr (on a terminal) until the first piece of the reply is written; with
``--json`` the server's error body goes to stdout when a request fails before any output.
"""

from __future__ import annotations

from typing import Any, Protocol

from sacli.api.client import ApiClient
from sacli.api.replies import Reply, ReplyReader, read_reply
from sacli.errors import SacliError
from sacli.term.spinner import Spinner
from sacli.term.stderr import MESSAGES, Messages
from sacli.term.stdout import Output
from sacli.term.stdoutwatch import watch_stdout


class ReplyOptions(Protocol):
    """How the reply is shown (the command line's output options)."""

    json: bool
    usage: bool
    no_newline: bool
    raw: bool


class Asker:
    """Sends chat requests and writes their replies; one per command run."""

    def __init__(self, api: ApiClient, options: ReplyOptions) -> None:
        self.api = api
        self.options = options
        self.output = Output(raw=options.raw)

    def ask(self, body: dict[str, Any], *, keep_text: bool = False, output: Output | None = None) -> Reply:
        api = self.api
        output = output or self.output
        messages = MESSAGES
        reader = ReplyReader(output, json_lines=self.options.json, keep_text=keep_text)
        accept = "text/event-stream" if body.get("stream") else "application/json"
        headers = api.headers(Accept=accept, **({"Accept-Encoding": "identity"} if body.get("stream") else {}))
        watch_stdout(output.fd)
        spinner = None
        if messages.decorative:
            spinner = Spinner(f"waiting for {body['model']}").start()
            output.before_first_write = spinner.stop
            messages.before_write = spinner.clear
        try:
            return api.transport.request(
                "POST",
                f"{api.settings.base_url}/chat/completions",
                json=body,
                headers=headers,
                handle=lambda response: read_reply(response, reader),
                output_started=lambda: output.started,
            )
        except SacliError as error:
            if self.options.json and error.payload and not output.started:
                output.write_line(error.payload)
            raise
        finally:
            if spinner is not None:
                spinner.stop()
                messages.before_write = None
                output.before_first_write = None

    def finish(self, reply: Reply) -> None:
        """Final newline, finish-reason warnings and usage, after a complete reply."""
        opts = self.options
        if not opts.no_newline and not opts.json:
            self.output.end_line()
        report_reply(reply, MESSAGES, usage=opts.usage)


def report_reply(reply: Reply, messages: Messages, *, usage: bool) -> None:
    if reply.finish_reason == "length":
        messages.warn("the reply was cut off at the token limit (finish_reason: length)")
    elif reply.finish_reason == "content_filter":
        messages.warn("the reply was stopped by a content filter (finish_reason: content_filter)")
    if usage:
        messages.notice(format_usage(reply.usage))


def format_usage(usage: dict[str, Any] | None) -> str:
    if not usage:
        return "tokens: not reported by the server"
    return (
        f"tokens: prompt {usage.get('prompt_tokens', '?')}, completion {usage.get('completion_tokens', '?')}, "
        f"total {usage.get('total_tokens', '?')}"
    )
