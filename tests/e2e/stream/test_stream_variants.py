"""Chat streams as real servers send them, end to end: the installed sacli against a local server.

Each variant checks the exit code, stdout byte for byte and stderr exactly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.support.helpers import AUTH_HINT, USAGE, chunk, event, run, sse

CHAT = "/api/v1/chat/completions"
SSE = "text/event-stream"
DONE = b"data: [DONE]\n\n"
ROLE = event(chunk(role="assistant", content=""))
TOKENS = "sacli: tokens: prompt 12, completion 3, total 15\n"


def body(*blocks: bytes | dict[str, Any]) -> bytes:
    return b"".join(block if isinstance(block, bytes) else event(block) for block in blocks)


def without_choices(**extra: Any) -> dict[str, Any]:
    return {**chunk(), "choices": [], **extra}


def empty_delta(**extra: Any) -> dict[str, Any]:
    return {**chunk(), "choices": [{"index": 0, "delta": {}, "finish_reason": None}], **extra}


# Streams that complete: (body, stdout, stderr with --usage)
COMPLETE = {
    "done and usage chunk without choices": (sse("Hel", "lo"), b"Hello\n", TOKENS),
    "no [DONE], finish chunk ends it": (sse("Hel", "lo", done=False, usage=None), b"Hello\n", ""),
    "no [DONE], usage after the finish chunk": (sse("Hel", "lo", done=False), b"Hello\n", TOKENS),
    "[DONE] without a finish chunk": (body(chunk("Hel"), chunk("lo"), DONE), b"Hello\n", ""),
    "usage on the finish chunk": (
        body(ROLE, chunk("Hello"), chunk("", finish="stop", usage=USAGE), DONE),
        b"Hello\n",
        TOKENS,
    ),
    "usage on a separate chunk with choices []": (
        body(chunk("Hello"), chunk(finish="stop"), without_choices(usage=USAGE), DONE),
        b"Hello\n",
        TOKENS,
    ),
    "usage on a chunk whose choice has an empty delta": (
        body(chunk("Hello"), chunk(finish="stop"), empty_delta(usage=USAGE), DONE),
        b"Hello\n",
        TOKENS,
    ),
    "usage null then usage": (
        body(chunk("Hello", usage=None), chunk(finish="stop", usage=None), without_choices(usage=USAGE), DONE),
        b"Hello\n",
        TOKENS,
    ),
    "first chunk carries only the role": (
        body(
            {**chunk(), "choices": [{"index": 0, "delta": {"role": "assistant"}}]}, chunk("Hello"), chunk(finish="stop")
        ),
        b"Hello\n",
        "",
    ),
    "content null": (
        body(
            {**chunk(), "choices": [{"index": 0, "delta": {"role": "assistant", "content": None}}]},
            chunk("Hel"),
            {**chunk(), "choices": [{"index": 0, "delta": {"content": None}, "finish_reason": None}]},
            chunk("lo"),
            {**chunk(), "choices": [{"index": 0, "delta": {"content": None}, "finish_reason": "stop"}]},
        ),
        b"Hello\n",
        "",
    ),
    "keep-alive comments before and between chunks": (
        body(
            b": OPENROUTER PROCESSING\n\n",
            b":\n\n",
            b": keep-alive\n",
            ROLE,
            b": OPENROUTER PROCESSING\n\n",
            chunk("Hel"),
            b": ping\n\n",
            chunk("lo"),
            b":\n\n",
            chunk(finish="stop"),
            b": ping\n\n",
            DONE,
        ),
        b"Hello\n",
        "",
    ),
    "prompt filter results before any choice (Azure)": (
        body(without_choices(prompt_filter_results=[{"prompt_index": 0}]), chunk("Hello"), chunk(finish="stop"), DONE),
        b"Hello\n",
        "",
    ),
    "CRLF line ends and no space after the colon": (
        sse("Hel", "lo").replace(b"data: ", b"data:").replace(b"\n", b"\r\n"),
        b"Hello\n",
        TOKENS,
    ),
    "a leading BOM": (b"\xef\xbb\xbf" + sse("Hello"), b"Hello\n", TOKENS),
    "an event type the client does not know": (
        body(b"event: ping\ndata: {}\n\n", chunk("Hello"), chunk(finish="stop")),
        b"Hello\n",
        "",
    ),
    "nothing after [DONE] is read": (body(chunk("Hello"), DONE, chunk(" and more")), b"Hello\n", ""),
}


@pytest.mark.parametrize(("stream", "stdout", "usage"), COMPLETE.values(), ids=COMPLETE.keys())
def test_complete_streams_print_the_text_and_exit_0(
    httpserver: HTTPServer, api_env: dict[str, str], stream: bytes, stdout: bytes, usage: str
) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_data(stream, content_type=SSE)
    result = run("stream", "--usage", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, stdout), result.stderr
    assert result.stderr.decode() == (usage or "sacli: tokens: not reported by the server\n")


def test_json_mode_writes_each_payload_and_nothing_else(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    stream, _, _ = COMPLETE["keep-alive comments before and between chunks"]
    httpserver.expect_request(CHAT).respond_with_data(stream, content_type=SSE)
    result = run("stream", "--json", "hi", env=api_env)
    payloads = [json.loads(line) for line in result.stdout.splitlines()]
    assert (result.returncode, result.stderr) == (0, b"")
    assert [p["choices"][0]["delta"].get("content") for p in payloads] == ["", "Hel", "lo", None]


# Streams that end before they are complete


def test_no_done_and_no_finish_is_a_stream_that_ended_early(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(body(ROLE, chunk("Hel"), chunk("lo")), content_type=SSE)
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (6, b"Hello")
    assert result.stderr == b"sacli: error: stream ended early\n"


def test_only_keep_alives_and_the_role_then_the_end(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(body(b": ping\n\n", ROLE, b": ping\n\n"), content_type=SSE)
    result = run("stream", "--retries", "0", "hi", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (6, b"", b"sacli: error: stream ended early\n")


EMPTY = {
    "event stream": (SSE, "stream ended early"),
    "no content type": (None, "stream ended early: the server sent an empty reply"),
    "JSON": ("application/json", "the server sent an empty reply"),
}


@pytest.mark.parametrize(("content_type", "message"), EMPTY.values(), ids=EMPTY.keys())
def test_http_200_with_an_empty_body_exits_6(
    httpserver: HTTPServer, api_env: dict[str, str], content_type: str | None, message: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(b"", content_type=content_type)
    result = run("stream", "--retries", "0", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (6, b"")
    assert result.stderr.decode() == f"sacli: error: {message}\n"


def test_an_empty_reply_is_retried_before_any_output(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_oneshot_request(CHAT).respond_with_data(b"", content_type=SSE)
    httpserver.expect_request(CHAT).respond_with_data(sse("Hello"), content_type=SSE)
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (0, b"Hello\n")
    assert result.stderr.startswith(b"sacli: stream ended early; retrying in ")
    assert result.stderr.count(b"\n") == 1
    assert len(httpserver.log) == 2


# Errors inside the stream: the text before them stays, exit 5

ERRORS = {
    "event: error with an error object": (
        b'event: error\ndata: {"error":{"message":"Provider overloaded","code":529}}\n\n',
        "the server reported an error: Provider overloaded (code 529)",
    ),
    "event: error with plain text": (
        b"event: error\ndata: upstream went away\n\n",
        "the stream reported an error: upstream went away",
    ),
    "event: error with empty data": (b"event: error\ndata\n\n", "the stream reported an error: no details"),
    "error object with a numeric code": (
        event({"error": {"message": "Rate limited upstream", "code": 429}}),
        "the server reported an error: Rate limited upstream (code 429)",
    ),
    "error object with a string code": (
        event({"error": {"message": "Internal error", "code": "server_error", "type": "api_error"}}),
        "the server reported an error: Internal error (code server_error)",
    ),
    "error object with only a numeric code": (
        event({"error": {"code": 502}}),
        "the server reported an error: code 502",
    ),
    "error as a string": (event({"error": "model is overloaded"}), "the server reported an error: model is overloaded"),
    "error on a chunk with finish_reason error": (
        event(chunk("", finish="error", error={"code": 500, "message": "Provider disconnected"})),
        "the server reported an error: Provider disconnected (code 500)",
    ),
    "finish_reason error without details": (
        event(chunk("", finish="error")),
        "the model stopped with an error (finish_reason: error)",
    ),
    "a payload that is not JSON": (
        b"data: <html>oops\n\n",
        "the stream carried a payload that is not JSON: <html>oops",
    ),
}


@pytest.mark.parametrize(("error", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_in_the_stream_keep_the_text_and_exit_by_their_status(
    httpserver: HTTPServer, api_env: dict[str, str], error: bytes, message: str
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(body(ROLE, chunk("partial "), error, DONE), content_type=SSE)
    result = run("stream", "hi", env=api_env)
    code = 4 if "code 429" in message else 5  # a 429 in the stream is rate limiting, as an HTTP 429 is
    assert (result.returncode, result.stdout) == (code, b"partial ")
    assert result.stderr.decode() == f"sacli: error: {message}\n"
    assert len(httpserver.log) == 1  # never retried once text is out


def test_an_error_event_before_any_text_is_retried_as_its_status_would_be(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    error, message = ERRORS["event: error with an error object"]  # code 529: a 5xx, retried before any text
    httpserver.expect_request(CHAT).respond_with_data(body(b": ping\n\n", error), content_type=SSE)
    result = run("stream", "--retries", "1", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (5, b"")
    notice, line = result.stderr.decode().splitlines()
    assert notice.startswith("sacli: the server reported HTTP 529 in the reply; retrying in ")
    assert line == f"sacli: error: {message}"
    assert len(httpserver.log) == 2


def test_an_error_event_before_any_text_that_retrying_cannot_fix_is_not_retried(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    error = b'event: error\ndata: {"error":{"message":"Bad request","code":400}}\n\n'
    httpserver.expect_request(CHAT).respond_with_data(body(b": ping\n\n", error), content_type=SSE)
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (5, b"")
    assert len(httpserver.log) == 1


def test_json_mode_writes_the_error_event_payload(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    error, _ = ERRORS["event: error with an error object"]
    httpserver.expect_request(CHAT).respond_with_data(body(chunk("partial "), error), content_type=SSE)
    result = run("stream", "--json", "hi", env=api_env)
    *_, last = result.stdout.splitlines()
    assert json.loads(last) == {"error": {"message": "Provider overloaded", "code": 529}}
    assert result.returncode == 5


# Error bodies that are not JSON: a proxy's HTML page or plain text; the exit code follows the status

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
)
CLOUDFLARE_LIKE = b"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html lang="en-US">
<head>
<meta charset="UTF-8" />
<style>body { margin: 0; font-family: sans-serif; }</style>
<script>if (window.x < 1) {}</script>
<title>Access denied | api.example.com used Cloudflare to restrict access</title>
</head>
<body><h1>Access denied</h1></body>
</html>
"""
PROXY_ERRORS = {
    "nginx 502 page": (
        502, NGINX_502, "text/html", 5, "HTTP 502 BAD GATEWAY: 502 Bad Gateway", None,
    ),
    "HTML page with style and script": (
        403, CLOUDFLARE_LIKE, "text/html; charset=UTF-8", 3,
        "HTTP 403 FORBIDDEN: Access denied | api.example.com used Cloudflare to restrict access",
        AUTH_HINT,
    ),
    "HTML without a content type": (
        401, b"<html><body><h1>401 Authorization Required</h1></body></html>", None, 3,
        "HTTP 401 UNAUTHORIZED: 401 Authorization Required", AUTH_HINT,
    ),
    "plain text 429": (
        429, b"Too many requests, slow down.\nRequest id: 123\n", "text/plain", 4,
        "HTTP 429 TOO MANY REQUESTS: Too many requests, slow down.", None,
    ),
    "plain text 404": (
        404, b"404 page not found\n", "text/plain", 5, "HTTP 404 NOT FOUND: 404 page not found", "check SACLI_BASE_URL",
    ),
    "plain text 500 with blank first lines": (
        500, b"\n\n  upstream connect error or disconnect/reset before headers\nmore\n", "text/plain", 5,
        "HTTP 500 INTERNAL SERVER ERROR: upstream connect error or disconnect/reset before headers", None,
    ),
    "empty 503": (503, b"", "text/plain", 5, "HTTP 503 SERVICE UNAVAILABLE", None),
}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "page", "content_type", "code", "message", "hint"), PROXY_ERRORS.values(), ids=PROXY_ERRORS.keys()
)
def test_error_pages_from_a_proxy_show_their_first_line_and_exit_by_status(
    httpserver: HTTPServer,
    api_env: dict[str, str],
    status: int,
    page: bytes,
    content_type: str | None,
    code: int,
    message: str,
    hint: str | None,
) -> None:
    httpserver.expect_request(CHAT).respond_with_data(page, status=status, content_type=content_type)
    result = run("stream", "--retries", "0", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (code, b"")
    assert result.stderr.decode() == f"sacli: error: {message}{f' ({hint})' if hint else ''}\n"


def test_json_mode_writes_nothing_for_an_error_page(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(CHAT).respond_with_data(NGINX_502, status=502, content_type="text/html")
    result = run("stream", "--json", "--retries", "0", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (5, b"")


def test_an_html_page_with_status_200_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    page = b"<html><head><title>Hotel Wi-Fi login</title></head><body>Please sign in</body></html>"
    httpserver.expect_request(CHAT).respond_with_data(page, content_type="text/html")
    result = run("stream", "hi", env=api_env)
    assert (result.returncode, result.stdout) == (5, b"")
    assert result.stderr == (
        b"sacli: error: the reply is neither an event stream nor a chat completion "
        b"(Content-Type: text/html): Hotel Wi-Fi login\n"
    )
