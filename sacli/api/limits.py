"""How much of what a server sends sacli holds in memory at once, whatever the server does."""

ERROR_BODY_LIMIT = 64 * 1024  # of an error reply's body: the rest is not read
JSON_BODY_LIMIT = 16 * 1024 * 1024  # a JSON reply, or a reply held until it is complete
EVENT_LIMIT = 32 * 1024 * 1024  # one server-sent event: its data and the line still arriving


def mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"
