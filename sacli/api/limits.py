"""Bounds: how long sacli waits and how often it tries, and how much of a server's reply it holds at once."""

from typing import NamedTuple

ERROR_BODY_LIMIT = 64 * 1024  # of an error reply's body: the rest is not read
JSON_BODY_LIMIT = 16 * 1024 * 1024  # a JSON reply, or a reply held until it is complete
EVENT_LIMIT = 32 * 1024 * 1024  # one server-sent event: its data and the line still arriving


class Limits(NamedTuple):
    """How often a request is retried and how long sacli waits (the settings of the same names)."""

    retries: int
    connect_timeout: float
    idle_timeout: float


def mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"
