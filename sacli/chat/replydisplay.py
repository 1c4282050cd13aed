"""Showing a reply: stdout as it arrives (or Markdown on a terminal), the spinner until it starts,
the reasoning on stderr, then the final newline, the tool calls' line, warnings and usage.

The request itself is sacli.api.completions.ask; with ``--json`` the server's error body goes to
stdout when a request fails before any output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sacli.api.client import ApiClient
from sacli.api.completions import ReplyReader, ask, chat_headers
from sacli.api.reply import KEPT_TEXT_LIMIT, LOGGED_TEXT_LIMIT, Reply
from sacli.chat.events import EventStream
from sacli.chat.exchangelog import Attempt
from sacli.chat.replynotes import report_reply
from sacli.errors import SacliError
from sacli.readers.jsontext import one_line
from sacli.term.spinner import Spinner, spinning
from sacli.term.stderr import MESSAGES, Messages
from sacli.term.stdout import Output
from sacli.term.stdoutwatch import watch_stdout
from sacli.term.tty import can_redraw


class ReplyOptions(Protocol):
    """How the reply is shown (the command line's output options)."""

    json: bool
    usage: bool
    no_newline: bool
    raw: bool
    show_reasoning: bool | None
    markdown: bool | None


def reply_output(options: ReplyOptions) -> Output:
    """Where a reply goes: stdout, rendered as Markdown with --markdown when it is a terminal that
    can be redrawn (on a dumb one the text is written as it comes, as without --markdown)."""
    if options.markdown and not options.json and can_redraw(1):
        from sacli.term.markdown import MarkdownOutput

        return MarkdownOutput()
    return Output(raw=options.raw)


class ReplyDisplay:
    """Sends chat requests and shows their replies; one per command run."""

    def __init__(
        self, api: ApiClient, options: ReplyOptions, *, keep_alive: bool = False, output: Output | None = None
    ) -> None:
        """``keep_alive``: more requests follow on the connection (a conversation); ``output``: where the
        replies go instead of the one ``options`` choose (--events)."""
        self.api = api
        self.options = options
        self.output = output or reply_output(options)
        self.keep_alive = keep_alive
        self.last_reply: Reply | None = None  # the latest reply, whole or as far as it came

    def ask(
        self,
        body: dict[str, Any],
        *,
        keep_text: bool = False,
        output: Output | None = None,
        attempt: Attempt | None = None,
        meter: Callable[[int], None] | None = None,
        extra_headers: dict[str, str] | None = None,
        replayed: list[bytes] | None = None,
    ) -> Reply:
        """``attempt``: the exchange as the log will have it: its retries, and its reply however far it came.
        ``replayed``: the reply's event stream, read instead of asking the server (--cache)."""
        output = output or self.output
        messages = MESSAGES
        events = self.output if isinstance(self.output, EventStream) else None  # also for a reply held whole
        shown = self.options.show_reasoning and not self.options.json and events is None
        reasoning = ReasoningShown(messages) if shown else None
        on_reasoning = events.reasoning if events is not None else reasoning.write if reasoning is not None else None
        reader = ReplyReader(
            output,
            json_lines=self.options.json,
            keep_text=keep_text or attempt is not None,
            on_reasoning=on_reasoning,
            keep_reasoning=attempt is not None and (reasoning is not None or "reasoning" in body),
            keep_limit=KEPT_TEXT_LIMIT if keep_text else LOGGED_TEXT_LIMIT,
            meter=meter,
        )
        watch_stdout(output.fd)
        with spinning(messages, f"waiting for {body['model']}") as spinner:
            if reasoning is not None:
                reasoning.spinner = spinner
            if spinner is not None or reasoning is not None:
                # Before the answer's first piece: the spinner goes, the reasoning's line ends.
                output.before_first_write = lambda: _first_write(spinner, reasoning)
            retries = attempt.retries if attempt is not None else None
            try:
                if replayed is not None:
                    return reader.read_events(iter(replayed))
                headers = None
                if extra_headers:
                    headers = {**chat_headers(self.api, stream=bool(body.get("stream"))), **extra_headers}
                return ask(
                    self.api, body, reader, headers=headers, keep_alive=self.keep_alive,
                    output_started=lambda: output.started, retries=retries,
                )  # fmt: skip
            except SacliError as error:
                if self.options.json and error.payload and not output.started:
                    output.write_line(error.payload)
                raise
            finally:
                self.last_reply = reader.reply
                if events is not None:
                    events.reply = reader.reply
                if attempt is not None:
                    attempt.reply = reader.reply
                if reasoning is not None:
                    reasoning.end()
                output.before_first_write = None

    def finish(self, reply: Reply, output: Output | None = None) -> None:
        """Final newline, the tool calls' JSON line, finish-reason warnings and usage, after a complete reply."""
        opts = self.options
        output = output or self.output
        output.finish()
        if isinstance(self.output, EventStream):
            self.output.reply_parts(reply)
        elif reply.tool_calls and not opts.json:
            output.end_line()
            output.write_line(one_line(reply.tool_calls.document()))
        elif not opts.no_newline and not opts.json:
            output.end_line()
        report_reply(reply, MESSAGES, usage=opts.usage, sources=not isinstance(self.output, EventStream))


class ReasoningShown:
    """``--show-reasoning``: the reasoning on stderr as it arrives, its line ended before the answer.

    The spinner stops for good at the reasoning's first piece: drawn again, it would take the
    line the reasoning is being written on.
    """

    def __init__(self, messages: Messages) -> None:
        self.messages = messages
        self.spinner: Spinner | None = None
        self.shown = False
        self.ends_with_newline = True

    def write(self, text: str) -> None:
        if self.spinner is not None:
            self.spinner.stop()
            self.spinner = None
        self.shown = True
        self.ends_with_newline = text.endswith("\n")
        self.messages.write(text, dim=True)

    def end(self) -> None:
        if self.shown and not self.ends_with_newline:
            self.messages.write("\n")
            self.ends_with_newline = True


def _first_write(spinner: Any, reasoning: ReasoningShown | None) -> None:
    if spinner is not None:
        spinner.stop()
    if reasoning is not None:
        reasoning.end()
