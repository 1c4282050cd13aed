"""HTTP for every command: one httpx client, retries, and httpx's errors turned into sacli's.

This is the only module that imports httpx. A request is retried (408, 409, 429, 5xx and
connection failures) only while nothing of its reply has been written to stdout, so a retry
can never print anything twice.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sacli.errors import (
    ApiError,
    AuthError,
    NetworkError,
    RateLimitError,
    SacliError,
    TimeoutError_,
    UsageError,
)
from sacli.messages import Messages
from sacli.retry import LONGEST_HONOURED_WAIT, RETRY_STATUSES, backoff_delay, server_retry_delay

# httpx imports its optional command-line module (click, rich, pygments) whenever those are
# installed; sacli never uses it, and it costs tens of milliseconds of every start.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402

if TYPE_CHECKING:
    from sacli.deadline import Deadline

T = TypeVar("T")
ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Limits:
    retries: int = 2
    connect_timeout: float = 10.0
    idle_timeout: float = 120.0


def _needs_tls_setup(url: str) -> bool:
    # The default SSL context loads the CA bundle (~18 ms of every start). A plain-http
    # base URL reached without a proxy never uses it.
    if url.startswith("https:"):
        return True
    return any(os.environ.get(name) for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"))


class Transport:
    def __init__(self, *, base_url: str, limits: Limits, messages: Messages, deadline: Deadline) -> None:
        self.limits = limits
        self.messages = messages
        self.deadline = deadline
        timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.idle_timeout,
            write=limits.idle_timeout,
            pool=limits.connect_timeout,
        )
        self.client = httpx.Client(timeout=timeout, verify=_needs_tls_setup(base_url))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        handle: Callable[[httpx.Response], T],
        headers: Mapping[str, str],
        json: Any = None,
        content: Any = None,
        params: Any = None,
        output_started: Callable[[], bool] = lambda: False,
        retry_on: frozenset[int] = RETRY_STATUSES,
    ) -> T:
        """Send the request and pass a 2xx response to ``handle``; retry what can be retried.

        Non-2xx replies become ``SacliError``s carrying the parsed error body; ``handle``
        turns the body into output and raises ``SacliError`` for a broken reply.

        ``content`` may be a callable returning a fresh body (bytes or an iterable of bytes)
        for each attempt, so a streamed body can be retried; a bare iterator can be sent only
        once, so a request carrying one is never retried.
        """
        one_shot = content is not None and not callable(content) and not isinstance(content, (bytes, str))
        attempt = 0
        while True:
            body = content() if callable(content) else content
            try:
                with self._send(method, url, headers=headers, json=json, content=body, params=params) as response:
                    if response.status_code >= 400:
                        raise http_error(response, retry_on)
                    return handle(response)
            except SacliError as error:
                if not error.retryable or output_started() or attempt >= self.limits.retries or one_shot:
                    raise
                attempt += 1
                self._wait_before_retry(error, attempt)

    @contextmanager
    def _send(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx.Response]:
        if self.messages.debug_enabled:
            self._log_request(method, url, kwargs)
        started = time.monotonic()
        try:
            with self.client.stream(method, url, **kwargs) as response:
                if self.messages.debug_enabled:
                    self._log_response(response, started)
                yield response
        except httpx.HTTPError as exc:
            raise translate(exc, self.limits) from exc

    def _wait_before_retry(self, error: SacliError, attempt: int) -> None:
        retries = self.limits.retries
        delay = error.retry_after if error.retry_after is not None else backoff_delay(attempt, random.random())
        if delay > LONGEST_HONOURED_WAIT:
            error.hint = f"not retried: the server asked to wait {delay:.0f} s"
            raise error
        remaining = self.deadline.remaining()
        if remaining is not None and delay >= remaining:
            error.hint = f"not retried: waiting {delay:.1f} s would pass --timeout"
            raise error
        self.messages.notice(f"{error.message}; retrying in {delay:.1f} s (retry {attempt} of {retries})")
        time.sleep(delay)

    def _log_request(self, method: str, url: str, kwargs: Mapping[str, Any]) -> None:
        say = self.messages.debug
        say(f"> {method} {url}")
        merged = {name.lower(): (name, value) for name, value in self.client.headers.items()}
        merged.update((name.lower(), (name, value)) for name, value in (kwargs.get("headers") or {}).items())
        for name, value in merged.values():
            say(f"> {name}: {redact_header(name, value)}")
        if kwargs.get("json") is not None:
            import json as jsonlib

            text = jsonlib.dumps(kwargs["json"], ensure_ascii=False)
            say(f"> body: {text if len(text) <= 2000 else text[:2000] + '...'}")

    def _log_response(self, response: httpx.Response, started: float) -> None:
        say = self.messages.debug
        elapsed = time.monotonic() - started
        say(f"< {response.http_version} {response.status_code} {response.reason_phrase} ({elapsed:.3f} s)")
        for name, value in response.headers.items():
            say(f"< {name}: {redact_header(name, value)}")


SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password")


def redact_header(name: str, value: str) -> str:
    lowered = name.lower()
    if any(word in lowered for word in SECRET_HEADER_WORDS):
        scheme, _, rest = value.partition(" ")
        return f"{scheme} ***" if rest and scheme.lower() in ("bearer", "basic", "token") else "***"
    return value


def translate(exc: httpx.HTTPError, limits: Limits) -> SacliError:
    """One sacli error for each way httpx can fail."""
    where = _where(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return TimeoutError_(
            f"cannot connect to {where}: no answer within {limits.connect_timeout:g} s", retryable=True
        )
    if isinstance(exc, httpx.ReadTimeout):
        return TimeoutError_(f"no data from {where} for {limits.idle_timeout:g} s (--idle-timeout)")
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError_(f"timed out talking to {where}: {_reason(exc)}")
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(f"cannot connect to {where}: {_reason(exc)}", retryable=True)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return UsageError(f"unsupported URL: {_reason(exc)}", hint="check --base-url")
    if isinstance(exc, httpx.LocalProtocolError):
        return UsageError(f"cannot send the request: {_reason(exc)}")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError)):
        return NetworkError(f"connection to {where} lost: {_reason(exc)}", retryable=True)
    if isinstance(exc, httpx.DecodingError):
        return ApiError(f"cannot decode the reply from {where}: {_reason(exc)}")
    if isinstance(exc, httpx.InvalidURL):
        return UsageError(f"invalid URL: {_reason(exc)}", hint="check --base-url")
    if isinstance(exc, httpx.TransportError):
        return NetworkError(f"network error talking to {where}: {_reason(exc)}", retryable=True)
    return ApiError(f"HTTP failure talking to {where}: {_reason(exc)}")


def _where(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:
        return "the server"
    port = f":{url.port}" if url.port else ""
    return f"{url.host}{port}"


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # "[Errno 111] Connection refused" -> "connection refused"
    if text.startswith("[Errno") and "] " in text:
        text = text.split("] ", 1)[1]
    # h11's "Server disconnected without sending a response." ends a sentence; sacli's messages
    # go on after the reason ("...; retrying in 1.0 s"), so drop the full stop.
    text = text.removesuffix(".")
    return text[:1].lower() + text[1:]


def http_error(response: httpx.Response, retry_on: frozenset[int]) -> SacliError:
    """The error for a non-2xx reply, with the server's own message and its raw JSON body."""
    from sacli.apierrors import describe_error_body

    body = _read_limited(response)
    status = response.status_code
    detail, payload = describe_error_body(body, response.headers.get("content-type", ""))
    message = f"HTTP {status} {response.reason_phrase}".rstrip()
    if detail:
        message += f": {detail}"
    error: SacliError
    if status in (401, 403):
        error = AuthError(message, hint="check OPENROUTER_KEY and SUPER_AGENT_KEY")
    elif status == 429:
        error = RateLimitError(message, retryable=status in retry_on)
    else:
        hint = "check --base-url" if status in (404, 405) else None
        if status == 402:
            hint = "the account is out of credits"
        error = ApiError(message, hint=hint, retryable=status in retry_on)
    error.retry_after = server_retry_delay(response.headers, detail or "")
    error.status = status
    error.payload = payload
    return error


def _read_limited(response: httpx.Response) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= ERROR_BODY_LIMIT:
            break
    return bytes(data[:ERROR_BODY_LIMIT])
