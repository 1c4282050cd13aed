"""The Super Agent Stack as one run talks to it: the settings, the headers, the one HTTP client, JSON calls.

An ``ApiClient`` is made before anything is read or sent (so that a missing key or a bad
``-H`` fails first), and opens its HTTP client (``transport``, which imports httpx2) only when
the first request is about to go out. The Memory and RAG replies come in differing envelopes,
read tolerantly by ``unwrap``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from sacli.api.deadline import Deadline
from sacli.api.headers import USER_AGENT, auth_headers
from sacli.api.limits import Limits
from sacli.api.retry import RETRY_STATUSES
from sacli.api.tapes import Tape
from sacli.api.waits import AnnouncedWaits, Waits
from sacli.errors import ApiError, SacliError, UsageError
from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.readers.ostext import escaped, not_utf8

if TYPE_CHECKING:
    from sacli.api.transport import Reporter, Response, Transport

T = TypeVar("T")

# IDs that, as a path segment, would name the collection itself or its parent (DELETE /api/rag/files/..).
UNSAFE_IDS = frozenset({"", ".", ".."})


class Endpoint(NamedTuple):
    """Where the API is and who sacli is to it; ``key_sources`` says where each key came from, and
    ``url_hint`` where the base URL did."""

    base_url: str
    model: str | None  # of the commands that chat
    api_key: str | None
    super_agent_key: str | None
    key_sources: tuple[str, ...] = ()
    url_hint: str = "check --base-url"  # where the base URL came from, as the hint of a 404 says it

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.super_agent_key) if s)

    @property
    def api_root(self) -> str:
        """Where the host-relative path families (/api/v1/memory, /api/rag) hang off.

        The base URL ends in /api/v1 for the real service; strip that. Any other base URL
        (a proxy that mounts the API somewhere else) keeps its path as the root.
        """
        base = self.base_url.rstrip("/")
        return base[: -len("/api/v1")] if base.endswith("/api/v1") else base


class ApiClient:
    def __init__(
        self,
        settings: Endpoint,
        *,
        extra_headers: Mapping[str, str],
        limits: Limits,
        reporter: Reporter,
        timeout: float | None,
        tape: Tape | None = None,
        pool: int | None = None,
        waits: type[Waits] = AnnouncedWaits,
    ) -> None:
        """``pool``: how many requests the run makes at once (connections kept open), when more than one;
        ``waits``: how the waits between attempts are made (sacli.api.waits)."""
        self.settings = settings
        self.pool = pool
        self.tape = tape or Tape()
        self.extra_headers = dict(extra_headers)
        self.limits = limits
        self.reporter = reporter
        self.timeout = timeout
        self.deadline = Deadline(timeout)
        self.waits = waits
        self._transport: Transport | None = None

    def headers(self, *, require: str = "any", **extra: str) -> dict[str, str]:
        """sacli's headers for a request, with each -H header replacing its namesake (names ignore case).

        ``require``: "any" key will do (chat), or the "super_agent" key (the Memory and RAG APIs);
        a replay needs none.
        """
        s = self.settings
        if self.replaying:
            require = "none"
        own = {"User-Agent": USER_AGENT, **auth_headers(s.api_key, s.super_agent_key, require=require), **extra}
        replaced = {name.lower() for name in self.extra_headers}
        return {**{k: v for k, v in own.items() if k.lower() not in replaced}, **self.extra_headers}

    @property
    def replaying(self) -> bool:
        """``--replay``: every reply comes from a record file, no connection is opened."""
        return self.tape.replay is not None

    def secrets(self) -> tuple[str, ...]:
        """What a record file never holds: the keys, the URL passwords, the values of -H headers that may be keys."""
        from sacli.api.headers import SECRET_HEADER_WORDS
        from sacli.api.urls import passwords

        s = self.settings
        sensitive = (v for k, v in self.extra_headers.items() if any(w in k.lower() for w in SECRET_HEADER_WORDS))
        return tuple(x for x in (s.api_key, s.super_agent_key, *passwords(s.base_url), *sensitive) if x)

    @property
    def transport(self) -> Transport:
        """The run's one HTTP client, opened on first use."""
        if self._transport is None:
            from sacli.api.transport import Transport

            self._transport = Transport(
                base_url=self.settings.base_url,
                limits=self.limits,
                reporter=self.reporter,
                remaining=lambda: self.deadline.remaining(),
                auth_hint="check " + " and ".join(self.settings.key_sources or ("the keys",)),
                url_hint=None if self.replaying else self.settings.url_hint,
                tape=self.tape,
                secrets=self.secrets(),
                pool=self.pool,
                waits=self.waits,
            )
            if not gc.isenabled():
                # What was imported and built so far lives for the whole run: keep it out of every collection.
                gc.freeze()
                gc.enable()
        return self._transport

    def restart_deadline(self) -> None:
        """Give the next piece of work (a turn of a conversation) a whole ``--timeout`` of its own."""
        self.deadline.cancel()
        self.deadline = Deadline(self.timeout)

    def call_json(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Any = None,
        require: str = "super_agent",
        retry_on: frozenset[int] | None = None,
    ) -> Any:
        """``method`` on ``{api root}{path}``; the decoded JSON body (None for an empty body)."""
        return self.transport.request(
            method,
            self.settings.api_root + path,
            json=json_body,
            params=params,
            headers=self.headers(require=require, Accept="application/json"),
            handle=decode_json_reply,
            retry_on=RETRY_STATUSES if retry_on is None else retry_on,
        )

    def get_base_json(self, path: str, *, require: str) -> Any:
        """GET ``{base URL}{path}`` (an OpenRouter-style endpoint); the decoded JSON body."""
        return self.transport.request(
            "GET",
            f"{self.settings.base_url}{path}",
            headers=self.headers(require=require, Accept="application/json"),
            handle=decode_json_reply,
        )

    def first_accepted(self, attempts: Sequence[tuple[str, Callable[[], T]]], *, fall_back_on: frozenset[int]) -> T:
        """Each ``(label, call)`` in turn while the server answers with a status in ``fall_back_on``.

        For endpoints whose method or path the API reference only assumes: when no form is accepted,
        the first form's error is the one reported (a 404 for the documented path says more than a
        405 for a guessed one). Any other error is final at once.
        """
        first_error: SacliError | None = None
        for label, call in attempts:
            try:
                return call()
            except SacliError as error:
                if error.status not in fall_back_on:
                    raise
                first_error = first_error or error
                self.reporter.debug(f"{label} answered {error.status}; trying the next form")
        assert first_error is not None, "no attempts given"
        raise first_error

    def close(self) -> None:
        self.deadline.cancel()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def require_ids(ids: Sequence[str], what: str) -> list[str]:
    """Each ID once, in the order given; an empty, '.' or '..' ID, or one that is not UTF-8 text, is a
    usage error before anything is sent."""
    for value in ids:
        if value.strip() in UNSAFE_IDS:
            raise UsageError(f"invalid {what} ID {value!r}: an ID cannot be empty, '.' or '..'")
        problem = not_utf8(value)
        if problem is not None:
            raise UsageError(f"invalid {what} ID '{escaped(value)}': not UTF-8 text ({problem} is not)")
    return list(dict.fromkeys(ids))


def decode_json_reply(response: Response) -> Any:
    from sacli.api.bodies import read_json_body

    body = read_json_body(response)
    if not body.strip():
        return None
    try:
        payload = parse_json(body)
    except JsonProblem as problem:
        raise ApiError(f"the reply from {response.url.path} is not valid JSON: {problem}") from None
    if isinstance(payload, dict) and payload.get("success") is False:
        from sacli.api.errorbodies import error_message

        raise ApiError(f"the server reported an error: {error_message(payload.get('error'), payload) or 'no details'}")
    return payload


def unwrap(payload: Any, *keys: str) -> Any:
    """The payload inside ``{data: ...}`` / ``{success, data}`` / ``{<key>: ...}``, or the payload itself."""
    if isinstance(payload, dict):
        for key in ("data", *keys):
            if key in payload:
                return payload[key]
    return payload
