"""From the connection options of the command line to the API client of this run.

``connect`` does, in this order, what must happen before anything is read or sent: check
that stdout can take the answer, register the keys given as flags as secrets (so no message
can show them, whatever goes wrong with the config file), resolve the settings, register
the keys and URL passwords they hold, check the ``-H`` headers, and start the ``--timeout``.
"""

from __future__ import annotations

from sacli import config
from sacli.api.client import ApiClient
from sacli.api.headers import parse_headers
from sacli.api.limits import Limits
from sacli.api.urls import passwords
from sacli.cli.options import ConnectionOptions
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import check_stdout


def connect(conn: ConnectionOptions, *, model: str | None = None) -> ApiClient:
    check_stdout()  # nowhere to write the answer: fail before anything is sent
    messages = MESSAGES
    if conn.debug:
        messages.debug_enabled = True
    messages.add_secrets(tuple(k for k in (conn.api_key, conn.super_agent_key) if k))
    settings = config.resolve(
        base_url=conn.base_url,
        model=model,
        api_key=conn.api_key,
        super_agent_key=conn.super_agent_key,
        profile=conn.profile,
        warn=messages.warn,
    )
    messages.add_secrets(settings.secrets)
    messages.add_secrets(passwords(settings.base_url))
    return ApiClient(
        settings,
        extra_headers=parse_headers(tuple(conn.header or ())),
        limits=Limits(retries=conn.retries, connect_timeout=conn.connect_timeout, idle_timeout=conn.idle_timeout),
        reporter=messages,
        timeout=conn.timeout,
    )
