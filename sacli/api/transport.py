"""HTTP for every command: the one httpx2 client of a run, sacli's retries, and failures as sacli's errors.

This module, tapedeck.py (record and replay) and headerclock.py (the bound on the wait for a
reply's head) alone import httpx2 and httpcore2, and only when a request is about to be made. A
request is retried (408, 409, 429, 5xx and connection failures) only while nothing of its reply
has been written to stdout, so a retry can never print anything twice; httpx2 itself never sends
a request again (its transport retries are off and redirects are not followed). One resend is
not a retry: an idempotent request (GET, HEAD, PUT, DELETE) that went out on a kept-alive
connection the server had just closed, and got no answer, is sent once more on a new connection,
announced (a POST never is: the server may have taken it). Every body sacli reads is bounded
after decoding.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import httpx2

from sacli.api import headerclock
from sacli.api.debuglog import log_request, log_response
from sacli.api.httperrors import http_error, reason_of, redirect_error
from sacli.api.limits import Limits
from sacli.api.retry import LONGEST_HONOURED_WAIT, RETRY_STATUSES, backoff_delay
from sacli.api.tapedeck import Recorder, ReplayTransport
from sacli.api.tapes import RecordFile, Tape, read_records
from sacli.api.urls import proxy_problem, redact_url
from sacli.api.waits import AnnouncedWaits, Waits
from sacli.errors import (
    ApiError,
    NetworkError,
    SacliError,
    TimeoutError_,
    UsageError,
)
from sacli.readers.ostext import not_utf8
from sacli.settings.secrets import secret_pattern

if TYPE_CHECKING:
    import ssl

T = TypeVar("T")
Response = httpx2.Response

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class StaleConnection(Exception):
    """An idempotent request failed on a reused connection before any answer: ``error`` if it fails again."""

    def __init__(self, error: SacliError) -> None:
        super().__init__(error.message)
        self.error = error


class Outgoing(NamedTuple):
    """What every attempt of one request sends (the body, which may be made anew, aside)."""

    method: str
    url: str
    headers: Mapping[str, str]
    params: Any
    logged_body: bytes | None  # the JSON body, as the debug log and a record show it
    auth: httpx2.Auth | None
    retry_on: frozenset[int]


class Reporter(Protocol):
    """Where the transport announces retries and writes its debug log (sacli's stderr)."""

    debug_enabled: bool

    def notice(self, message: str) -> None: ...

    def debug(self, message: str) -> None: ...


def tls_context(base_url: str) -> ssl.SSLContext:
    """The system trust store (SSL_CERT_FILE and SSL_CERT_DIR honoured) for an https base URL.

    Every URL sacli requests is built from the base URL and redirects are never followed, so an
    http:// base URL never needs a certificate: its context loads none (loading the trust store
    is a large part of a start-up) and still verifies, so nothing could pass it unverified.
    """
    import ssl

    if base_url[:6].lower() == "https:":
        return httpx2.create_ssl_context()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class Transport:
    def __init__(
        self,
        *,
        base_url: str,
        limits: Limits,
        reporter: Reporter,
        remaining: Callable[[], float | None],
        auth_hint: str = "check the keys",
        url_hint: str | None = "check --base-url",
        tape: Tape | None = None,
        secrets: tuple[str, ...] = (),
        pool: int | None = None,
        waits: type[Waits] = AnnouncedWaits,
    ) -> None:
        """``remaining`` tells how much of the whole command's time is left (None: no --timeout);
        ``auth_hint`` is the hint of a 401 or 403, naming where the keys came from, and ``url_hint``
        the hint of a 404, a 405, a redirect or an invalid URL, naming where the base URL came from
        (none in a replay, which does not use it); ``tape`` says whether to record the exchanges or
        replay them, and ``secrets`` what a record never holds; ``pool`` is how many connections are
        kept open at most (requests made at once); ``waits`` makes the waits between attempts
        (sacli.api.waits)."""
        self.limits = limits
        self.auth_hint = auth_hint
        self.url_hint = url_hint
        self.reporter = reporter
        self.remaining = remaining
        tape = tape or Tape()
        # How a wait of the run is stretched: 1 live; 1/speed or 0 in a replay.
        self.time_scale = 1.0 if tape.replay is None else (1 / tape.speed if tape.speed > 0 else 0.0)
        self.live = tape.replay is None  # a replay has no connections to go stale
        # What a failure names in a replay: no host was ever contacted.
        self.place = None if tape.replay is None else f"the server recorded in {tape.replay}"
        self.waits = waits(reporter, time_scale=self.time_scale)
        self.recorder: Recorder | None = None
        self.record_file: RecordFile | None = None
        timeout = httpx2.Timeout(
            connect=limits.connect_timeout,
            read=limits.idle_timeout,
            write=limits.idle_timeout,
            pool=limits.connect_timeout,
        )
        pattern = secret_pattern(secrets)
        if tape.replay is not None:
            player = ReplayTransport(
                read_records(tape.replay), path=tape.replay, match=tape.match, speed=tape.speed, pattern=pattern
            )
            # No proxy from the environment either: a replay opens no connection at all.
            self.client = httpx2.Client(transport=player, timeout=timeout, trust_env=False, follow_redirects=False)
            return
        if tape.record is not None:
            self.record_file = RecordFile(tape.record, pattern)
            self.record_file.open()
            self.recorder = Recorder(self.record_file)
        try:
            limits = httpx2.Limits(max_connections=pool, max_keepalive_connections=pool) if pool else None
            self.client = httpx2.Client(
                timeout=timeout,
                verify=tls_context(base_url),
                follow_redirects=False,
                **({"limits": limits} if limits is not None else {}),
            )
        except (ValueError, ImportError, httpx2.InvalidURL) as exc:
            # A proxy from the environment that httpx2 cannot use (an unknown scheme, SOCKS without socksio).
            raise UsageError(proxy_problem(exc), hint="fix or unset the proxy variable") from None
        headerclock.install(self.client)  # the reply's head is bounded too (sacli.api.headerclock)

    def close(self) -> None:
        self.client.close()
        if self.record_file is not None:
            self.record_file.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        handle: Callable[[Response], T],
        headers: Mapping[str, str],
        json: Any = None,
        content: Any = None,
        params: Any = None,
        output_started: Callable[[], bool] = lambda: False,
        retry_on: frozenset[int] = RETRY_STATUSES,
        retries: list[str] | None = None,
    ) -> T:
        """Send the request and pass a 2xx response to ``handle``; retry what can be retried.

        Other replies become ``SacliError``s carrying the parsed error body; ``handle`` turns
        the body into output and raises ``SacliError`` for a broken reply.

        ``content`` may be a callable returning a fresh body (bytes or an iterable of bytes)
        for each attempt, so a streamed body can be retried; a bare iterator can be sent only
        once, so a request carrying one is never retried. ``retries`` gets the cause of each
        retry and each resend, as announced.
        """
        one_shot = content is not None and not callable(content) and not isinstance(content, (bytes, str))
        logged_body = None
        if json is not None:
            encoded = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            try:
                content = logged_body = encoded.encode()
            except UnicodeEncodeError:  # text that came in as bytes that are not UTF-8, or a \udcxx escape
                problem = not_utf8(encoded)
                raise UsageError(
                    f"cannot send the request: its body holds text that is not UTF-8 ({problem})"
                ) from None
            if not any(name.lower() == "content-type" for name in headers):
                headers = {**headers, "Content-Type": "application/json"}
        elif isinstance(content, str):
            content = content.encode()
        # Credentials in the base URL become Basic auth, unless sacli (or -H) sends an Authorization.
        auth = httpx2.Auth() if any(name.lower() == "authorization" for name in headers) else None
        outgoing = Outgoing(method, url, headers, params, logged_body, auth, retry_on)
        attempt = 0
        resent = False
        while True:
            self.waits.before_attempt()
            body = content() if callable(content) else content
            try:
                return self._attempt(outgoing, body, handle)
            except StaleConnection as stale:
                if not resent and not one_shot:
                    resent = True
                    reused = "on a kept-alive connection the server had closed"
                    again = f"sending {method} again on a new connection"
                    self.reporter.notice(f"{stale.error.summary} ({reused}); {again}")
                    if retries is not None:
                        retries.append(f"{stale.error.summary} ({reused})")
                    continue
                failure = stale.error  # a second one is a failure like any other, retried as the policy says
            except SacliError as error:
                failure = error
            if not failure.retryable or output_started() or attempt >= self.limits.retries or one_shot:
                raise failure
            attempt += 1
            self._wait_before_retry(failure, attempt)
            if retries is not None:
                retries.append(failure.summary)

    def _attempt(self, out: Outgoing, body: Any, handle: Callable[[Response], T]) -> T:
        hops = Hops(header_bound=self.limits.connect_timeout + self.limits.idle_timeout)
        try:
            request = self.client.build_request(
                out.method,
                out.url,
                headers=out.headers,
                content=body,
                params=out.params,
                extensions={"trace": hops.trace},
            )
        except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
            raise UsageError(f"invalid URL {redact_url(out.url)}: {reason_of(exc)}", hint=self.url_hint) from None
        debug = self.reporter.debug_enabled
        if debug:
            log_request(self.reporter.debug, request, out.logged_body)
        started = time.monotonic()
        try:
            response = self.client.send(request, stream=True, auth=out.auth or httpx2.USE_CLIENT_DEFAULT)
        except httpx2.HTTPError as exc:
            headerclock.awaiting_headers(None)
            if self.recorder is not None:
                self.recorder.failed(request, out.logged_body, exc, started)
            error = translate(exc, self.limits, hops, url_hint=self.url_hint, place=self.place)
            if self.live and hops.connected is None and out.method in IDEMPOTENT and type(error) is NetworkError:
                raise StaleConnection(error) from exc  # no connection was made: a kept one was used
            raise error from exc
        if self.recorder is not None:
            self.recorder.wrap(response, out.logged_body, started)
        try:
            if debug:
                log_response(self.reporter.debug, response, started)
            status = response.status_code
            if 300 <= status < 400:
                raise redirect_error(response, url_hint=self.url_hint)
            if status >= 400:
                raise http_error(response, out.retry_on, auth_hint=self.auth_hint, url_hint=self.url_hint)
            return handle(response)
        except httpx2.HTTPError as exc:
            raise translate(exc, self.limits, hops, url_hint=self.url_hint, place=self.place) from exc
        finally:
            response.close()
            if self.recorder is not None:
                self.recorder.finish(response)

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
        remaining = self.remaining()
        if remaining is not None and delay >= remaining:
            error.hint = f"not retried: waiting {delay:.1f} s would pass --timeout"
            raise error
        self.waits.retry(error, delay, attempt, retries)


class Hops:
    """Where one attempt connected to, from httpx2's trace extension: the proxy, when one is used;
    and the clock of the wait for the reply's head (``header_bound`` seconds, sacli.api.headerclock)."""

    __slots__ = ("connected", "header_bound")

    def __init__(self, header_bound: float | None = None) -> None:
        self.connected: str | None = None
        self.header_bound = header_bound

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event == "connection.connect_tcp.started":
            self.connected = host_port(str(info.get("host", "")), info.get("port"))
        elif event == "http11.receive_response_headers.started":
            headerclock.awaiting_headers(self.header_bound)
        elif event.startswith("http11.receive_response_headers."):
            headerclock.awaiting_headers(None)


def host_port(host: str, port: Any) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# A connection that ended too soon; any other protocol error means the reply was not valid HTTP.
_CUT_SHORT = ("server disconnected", "peer closed connection")


def _where(exc: httpx2.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:
        return "the server"
    return host_port(url.host, url.port or (443 if url.scheme == "https" else 80))


def translate(
    exc: httpx2.HTTPError,
    limits: Limits,
    hops: Hops | None = None,
    *,
    url_hint: str | None = "check --base-url",
    place: str | None = None,
) -> SacliError:
    """One sacli error for each way a request can fail below HTTP; ``place`` names the other end
    instead of the URL's host (a replay's recording)."""
    where = place or _where(exc)
    reached = (hops.connected if hops else None) or where
    reason = reason_of(exc)
    if isinstance(exc, httpx2.ConnectTimeout):
        return TimeoutError_(
            f"cannot connect to {reached}: no answer within {limits.connect_timeout:g} s", retryable=True
        )
    if isinstance(exc, httpx2.ReadTimeout) and isinstance(exc.__cause__, headerclock.HeadersTooSlow):
        bound = limits.connect_timeout + limits.idle_timeout
        return TimeoutError_(
            f"the reply from {where} did not bring its status line and headers within {bound:g} s "
            "(--connect-timeout plus --idle-timeout)"
        )
    if isinstance(exc, httpx2.ReadTimeout) and isinstance(exc.__cause__, headerclock.ItemTooSlow):
        return TimeoutError_(f"the item took longer than {exc.__cause__.seconds:g} s (--item-timeout)")
    if isinstance(exc, httpx2.ReadTimeout):
        return TimeoutError_(f"no data from {where} for {limits.idle_timeout:g} s (--idle-timeout)")
    if isinstance(exc, httpx2.TimeoutException):
        return TimeoutError_(f"timed out talking to {where}: {reason}")
    if isinstance(exc, httpx2.ProxyError):
        return NetworkError(f"cannot connect to {where} through the proxy {reached}: {reason}", retryable=True)
    if isinstance(exc, httpx2.ConnectError):
        return NetworkError(f"cannot connect to {reached}: {reason}", retryable=True)
    if isinstance(exc, (httpx2.UnsupportedProtocol, httpx2.InvalidURL)):
        return UsageError(f"invalid URL: {reason}", hint=url_hint)
    if isinstance(exc, httpx2.LocalProtocolError):
        return UsageError(f"cannot send the request: {reason}")
    if isinstance(exc, httpx2.DecodingError):
        reason = reason.removeprefix("error -3 while decompressing data: ")
        return ApiError(f"cannot decode the reply from {where}: the compressed body is corrupt: {reason}")
    if isinstance(exc, httpx2.RemoteProtocolError) and not reason.startswith(_CUT_SHORT):
        # The server answered, but not in HTTP: sending again could only be answered the same way.
        return ApiError(f"the reply from {where} is not valid HTTP: {reason}")
    return NetworkError(f"connection to {where} lost: {reason}", retryable=True)
