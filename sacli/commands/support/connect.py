"""From the connection options of the command line to the API client of this run.

The options arrive with the config file and the defaults applied (sacli.settings.configfile). ``connect``
then does what must happen before anything is read or sent: check that stdout can take the
answer, register the URL passwords as secrets, check the headers (the config file's
``headers`` table first, each ``-H`` over it), and start the ``--timeout``.
"""

from __future__ import annotations

from sacli.api.client import ApiClient, Endpoint
from sacli.api.headers import parse_headers
from sacli.api.limits import Limits
from sacli.api.tapes import Tape
from sacli.api.urls import passwords
from sacli.api.waits import AnnouncedWaits, SharedPause
from sacli.cli.options import ConnectionOptions
from sacli.errors import UsageError
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import check_stdout

KEYS = (("api_key", "the OpenRouter key"), ("super_agent_key", "the Super Agent key"))


def connect(
    conn: ConnectionOptions, *, model: str | None = None, pool: int | None = None, shared_pause: bool = False
) -> ApiClient:
    """The run's client; ``pool``: requests made at once, ``shared_pause``: a 429 pauses them all (a batch)."""
    check_stdout()  # nowhere to write the answer: fail before anything is sent
    messages = MESSAGES
    if conn.debug:
        messages.debug_enabled = True
    base_url = str(conn.base_url).rstrip("/")
    messages.add_secrets(passwords(base_url))
    endpoint = Endpoint(
        base_url=base_url,
        model=model,
        api_key=conn.api_key or None,
        super_agent_key=conn.super_agent_key or None,
        key_sources=tuple(
            f"{what} from {_shown(conn.sources.get(name))}" for name, what in KEYS if getattr(conn, name)
        ),
        url_hint=url_hint(conn.sources.get("base_url")),
    )
    return ApiClient(
        endpoint,
        extra_headers=headers_of(conn),
        limits=Limits(retries=conn.retries, connect_timeout=conn.connect_timeout, idle_timeout=conn.idle_timeout),
        reporter=messages,
        timeout=conn.timeout,
        tape=tape_of(conn),
        pool=pool,
        waits=SharedPause if shared_pause else AnnouncedWaits,
    )


def tape_of(conn: ConnectionOptions) -> Tape:
    if conn.record is not None and conn.replay is not None:
        raise UsageError("--record and --replay cannot be used together: give one")
    for given in (conn.record, conn.replay):
        if given is not None and not given.strip():
            raise UsageError("--record and --replay need a file name")
    if conn.replay is not None and conn.sources.get("replay", "").startswith("env "):
        # An exported SACLI_REPLAY answers every request from the file: say so, once, or it goes unseen.
        MESSAGES.notice(f"replaying {conn.replay} (from {conn.sources['replay'][4:]}): no request reaches the server")
    return Tape(record=conn.record, replay=conn.replay, match=str(conn.replay_match), speed=conn.replay_speed)


def headers_of(conn: ConnectionOptions) -> dict[str, str]:
    """The config file's ``headers`` table, then each ``-H`` (which replaces a header of its name)."""
    merged: dict[str, str] = {}
    found = getattr(conn, "file_headers", None)
    if found is not None:
        try:
            merged = parse_headers(tuple(f"{name}: {value}" for name, value in found.value.items()))
        except UsageError as error:
            raise UsageError(f"invalid config file {found.where}: headers: {error.message}") from None
    for name, value in parse_headers(tuple(conn.header or ())).items():
        merged = {k: v for k, v in merged.items() if k.lower() != name.lower()}
        merged[name] = value
    return merged


def url_hint(source: str | None) -> str:
    """The hint of an error that may be the base URL's fault, naming where it came from."""
    if source is None or source == "default" or source.startswith("flag "):
        return "check --base-url"
    if source.startswith("env "):
        return f"check {source[4:]}"
    return f"check base_url of {source}" if source.startswith("profile ") else f"check base_url in {source}"


def _shown(source: str | None) -> str:
    if source is None:
        return "an unknown place"
    kind, _, rest = source.partition(" ")
    if kind in ("flag", "env"):
        return rest
    return f"the config file {source}" if not source.startswith("profile ") else source
