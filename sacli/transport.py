"""HTTP for every command: one client, retries, and network failures turned into sacli's errors.

A request is retried (408, 409, 429, 5xx and connection failures) only while nothing of its
reply has been written to stdout, so a retry can never print anything twice.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sacli import http11
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

if TYPE_CHECKING:
    from sacli.deadline import Deadline

T = TypeVar("T")
ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Limits:
    retries: int = 2
    connect_timeout: float = 10.0
    idle_timeout: float = 120.0


class Transport:
    def __init__(self, *, base_url: str, limits: Limits, messages: Messages, deadline: Deadline) -> None:
        self.limits = limits
        self.messages = messages
        self.deadline = deadline
        self.client = http11.Client(connect_timeout=limits.connect_timeout, idle_timeout=limits.idle_timeout)

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
        handle: Callable[[http11.Response], T],
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
        logged_body = None
        if json is not None:
            encoded = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            content = logged_body = encoded.encode()
            if not any(name.lower() == "content-type" for name in headers):
                headers = {**headers, "Content-Type": "application/json"}
        elif isinstance(content, str):
            content = content.encode()
        attempt = 0
        while True:
            body = content() if callable(content) else content
            try:
                sent = self._send(method, url, headers=headers, body=body, params=params, logged_body=logged_body)
                with sent as response:
                    if response.status_code >= 400:
                        raise http_error(response, retry_on)
                    return handle(response)
            except SacliError as error:
                if not error.retryable or output_started() or attempt >= self.limits.retries or one_shot:
                    raise
                attempt += 1
                self._wait_before_retry(error, attempt)

    @contextmanager
    def _send(
        self, method: str, url: str, *, headers: Mapping[str, str], body: Any, params: Any, logged_body: bytes | None
    ) -> Iterator[http11.Response]:
        try:
            request = self.client.build(method, url, headers=headers, body=body, params=params)
            if self.messages.debug_enabled:
                self._log_request(request, logged_body)
            started = time.monotonic()
            with self.client.send(request) as response:
                if self.messages.debug_enabled:
                    self._log_response(response, started)
                yield response
        except http11.Failure as exc:
            raise translate(exc, self.limits) from exc

    def _wait_before_retry(self, error: SacliError, attempt: int) -> None:
        retries = self.limits.retries
        if error.retry_after is not None:
            delay = error.retry_after
        else:
            import random  # only a retry needs it

            delay = backoff_delay(attempt, random.random())
        if delay > LONGEST_HONOURED_WAIT:
            error.hint = f"not retried: the server asked to wait {delay:.0f} s"
            raise error
        remaining = self.deadline.remaining()
        if remaining is not None and delay >= remaining:
            error.hint = f"not retried: waiting {delay:.1f} s would pass --timeout"
            raise error
        self.messages.notice(f"{error.message}; retrying in {delay:.1f} s (retry {attempt} of {retries})")
        time.sleep(delay)

    def _log_request(self, request: http11.Request, body: bytes | None) -> None:
        say = self.messages.debug
        say(f"> {request.method} {request.url}")
        for name, value in request.headers:
            say(f"> {name}: {redact_header(name, value)}")
        if body is not None:
            text = body.decode()
            say(f"> body: {text if len(text) <= 2000 else text[:2000] + '...'}")

    def _log_response(self, response: http11.Response, started: float) -> None:
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


def translate(exc: http11.Failure, limits: Limits) -> SacliError:
    """One sacli error for each way a request can fail below HTTP."""
    where, reason = exc.where, exc.reason
    if isinstance(exc, http11.ConnectTimeout):
        return TimeoutError_(
            f"cannot connect to {where}: no answer within {limits.connect_timeout:g} s", retryable=True
        )
    if isinstance(exc, http11.ReadTimeout):
        return TimeoutError_(f"no data from {where} for {limits.idle_timeout:g} s (--idle-timeout)")
    if isinstance(exc, http11.WriteTimeout):
        return TimeoutError_(f"timed out talking to {where}: {reason}")
    if isinstance(exc, http11.ConnectFailed):
        return NetworkError(f"cannot connect to {where}: {reason}", retryable=True)
    if isinstance(exc, http11.InvalidURL):
        return UsageError(f"invalid URL: {reason}", hint="check --base-url")
    if isinstance(exc, http11.Unsendable):
        return UsageError(f"cannot send the request: {reason}")
    if isinstance(exc, http11.DecodeFailed):
        return ApiError(f"cannot decode the reply from {where}: {reason}")
    return NetworkError(f"connection to {where} lost: {reason}", retryable=True)


def http_error(response: http11.Response, retry_on: frozenset[int]) -> SacliError:
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


def _read_limited(response: http11.Response) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= ERROR_BODY_LIMIT:
            break
    return bytes(data[:ERROR_BODY_LIMIT])
