"""One request to the chat endpoint and its reply on stdout: the engine of stream and chat."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any

from sacli.api.chat import ChatParameters
from sacli.api.limits import JSON_BODY_LIMIT
from sacli.api.replies import Reply, ReplyReader
from sacli.cli.options import ChatOptions, OutputOptions
from sacli.commands.connection import Runtime
from sacli.errors import ApiError, NetworkError, SacliError
from sacli.term.spinner import Spinner
from sacli.term.stderr import Messages
from sacli.term.stdout import Output
from sacli.term.stdoutwatch import watch_stdout

if TYPE_CHECKING:
    from sacli.api.transport import Response, Transport

JSON_TYPES = ("application/json", "text/json")
SSE_FIELD_STARTS = (b"data:", b"data\n", b":", b"event:", b"id:", b"retry:")
SNIFF_LIMIT = 64 * 1024  # how much of an unlabelled reply is read to tell what it is


def chat_parameters(chat: ChatOptions) -> ChatParameters:
    return ChatParameters(
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
        memory_strategy=chat.memory_strategy.value if chat.memory_strategy else None,
    )


def read_reply(response: Response, reader: ReplyReader) -> Reply:
    """Read an SSE stream or a whole chat.completion, whichever the server sent."""
    from sacli.api.transport import collect, decoded_pieces, read_json_body

    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    pieces = decoded_pieces(response)
    if content_type == "text/event-stream":
        return reader.read_events(pieces)
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return reader.read_completion(read_json_body(response))
    first = _first_bytes(pieces)
    start = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        raise NetworkError("stream ended early: the server sent an empty reply", retryable=True)
    if start.startswith(SSE_FIELD_STARTS):
        return reader.read_events(chain([first], pieces))
    if start.startswith((b"{", b"[")):
        return reader.read_completion(collect(chain([first], pieces), JSON_BODY_LIMIT, what="the reply"))
    from sacli.api.errorbodies import first_line

    shown = content_type or "none"
    raise ApiError(
        f"the reply is neither an event stream nor a chat completion (Content-Type: {shown}): "
        f"{first_line(first[:SNIFF_LIMIT].decode('utf-8', 'replace'), html=start.startswith(b'<'))}"
    )


def _first_bytes(chunks: Iterator[bytes]) -> bytes:
    data = b""
    for chunk in chunks:
        data += chunk
        if data.strip() or len(data) > SNIFF_LIMIT:
            break
    return data


class Exchange:
    """Sends chat requests and writes their replies; one per command run."""

    def __init__(self, runtime: Runtime, out_options: OutputOptions) -> None:
        self.runtime = runtime
        self.out_options = out_options
        self.output = Output(raw=out_options.raw)

    def send(
        self,
        transport: Transport,
        body: dict[str, Any],
        *,
        keep_text: bool = False,
        output: Output | None = None,
    ) -> Reply:
        runtime = self.runtime
        output = output or self.output
        messages = runtime.messages
        reader = ReplyReader(output, json_lines=self.out_options.json, keep_text=keep_text)
        accept = "text/event-stream" if body.get("stream") else "application/json"
        headers = runtime.headers(Accept=accept, **({"Accept-Encoding": "identity"} if body.get("stream") else {}))
        watch_stdout(output.fd)
        spinner = None
        if messages.decorative:
            spinner = Spinner(f"waiting for {body['model']}").start()
            output.before_first_write = spinner.stop
            messages.before_write = spinner.clear
        try:
            return transport.request(
                "POST",
                f"{runtime.settings.base_url}/chat/completions",
                json=body,
                headers=headers,
                handle=lambda response: read_reply(response, reader),
                output_started=lambda: output.started,
            )
        except SacliError as error:
            if self.out_options.json and error.payload and not output.started:
                output.write_line(error.payload)
            raise
        finally:
            if spinner is not None:
                spinner.stop()
                messages.before_write = None
                output.before_first_write = None

    def finish(self, reply: Reply) -> None:
        """Final newline, finish-reason warnings and usage, after a complete reply."""
        opts = self.out_options
        if not opts.no_newline and not opts.json:
            self.output.end_line()
        report_reply(reply, self.runtime.messages, usage=opts.usage)


def report_reply(reply: Reply, messages: Messages, *, usage: bool) -> None:
    if reply.finish_reason == "length":
        messages.warn("the reply was cut off at the token limit (finish_reason: length)")
    elif reply.finish_reason == "content_filter":
        messages.warn("the reply was stopped by a content filter (finish_reason: content_filter)")
    if usage:
        messages.write(format_usage(reply.usage) + "\n")


def format_usage(usage: dict[str, Any] | None) -> str:
    if not usage:
        return "tokens: not reported by the server"
    return (
        f"tokens: prompt {usage.get('prompt_tokens', '?')}, completion {usage.get('completion_tokens', '?')}, "
        f"total {usage.get('total_tokens', '?')}"
    )
