"""What one invocation needs before it talks to the API: settings, stderr, deadline, headers."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from sacli import config
from sacli.api.chat import USER_AGENT, auth_headers, parse_headers
from sacli.api.urls import passwords
from sacli.cli.options import ConnectionOptions
from sacli.deadline import Deadline
from sacli.term.stderr import MESSAGES, Messages
from sacli.term.stdout import check_stdout

if TYPE_CHECKING:
    from sacli.api.transport import Transport


class Runtime:
    def __init__(self, conn: ConnectionOptions, *, model: str | None = None) -> None:
        check_stdout()  # nowhere to write the answer: fail before anything is sent
        self.conn = conn
        self.messages: Messages = MESSAGES
        if conn.debug:
            self.messages.debug_enabled = True
        # Keys given as flags are secrets before anything can go wrong with the config file.
        self.messages.add_secrets(tuple(k for k in (conn.api_key, conn.super_agent_key) if k))
        self.deadline = Deadline(conn.timeout)
        self.settings = config.resolve(
            base_url=conn.base_url,
            model=model,
            api_key=conn.api_key,
            super_agent_key=conn.super_agent_key,
            profile=conn.profile,
            warn=self.messages.warn,
        )
        self.messages.add_secrets(self.settings.secrets)
        self.messages.add_secrets(passwords(self.settings.base_url))
        self.extra_headers = parse_headers(tuple(conn.header or ()))

    def headers(self, *, require: str = "any", **extra: str) -> dict[str, str]:
        """sacli's headers for a request, with each -H header replacing its namesake (names ignore case)."""
        s = self.settings
        own = {"User-Agent": USER_AGENT, **auth_headers(s.api_key, s.super_agent_key, require=require), **extra}
        replaced = {name.lower() for name in self.extra_headers}
        return {**{k: v for k, v in own.items() if k.lower() not in replaced}, **self.extra_headers}

    def transport(self) -> Transport:
        from sacli.api.transport import Limits, Transport

        limits = Limits(
            retries=self.conn.retries,
            connect_timeout=self.conn.connect_timeout,
            idle_timeout=self.conn.idle_timeout,
        )
        transport = Transport(
            base_url=self.settings.base_url, limits=limits, messages=self.messages, deadline=self.deadline
        )
        if not gc.isenabled():
            # What was imported and built so far lives for the whole run: keep it out of every collection.
            gc.freeze()
            gc.enable()
        return transport
