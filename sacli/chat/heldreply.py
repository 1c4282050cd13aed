"""A reply held instead of written: until it is complete (one-shot ``chat``), or for good (a batch item)."""

from __future__ import annotations

from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.errors import ApiError
from sacli.term.stdout import Output


class HeldReply(Output):
    """Takes the place of stdout, within JSON_BODY_LIMIT; ``keep``: the text is kept to be written later.

    It counts as started once anything is held, so a failed attempt is not retried over a
    half-read reply.
    """

    def __init__(self, *, keep: bool = True) -> None:
        super().__init__()
        self.keep = keep
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        if text:
            self.started = True
            self.ends_with_newline = text[-1] == "\n"
            if self.keep:
                self.parts.append(text)
            self.size += len(text)
            if self.size > JSON_BODY_LIMIT:
                raise ApiError(f"the reply is larger than {mib(JSON_BODY_LIMIT)}; sacli stopped reading it")

    def text(self) -> str:
        return "".join(self.parts)
