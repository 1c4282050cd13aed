"""Which record is which item's: ids, repeated ids, and the keys ``--resume`` matches on.

A line's ``id`` (a string or a whole number) is its record's ``id``; a line without one gets ``null``,
and every record carries its ``line`` number, so an id of 7 and line 7 are never taken for each other.
The second and later lines with an id already seen carry ``"dup": 2``, 3, ... so that each is resumed
on its own. The counting covers every line, also those of other shards, so each shard numbers alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sacli.readers.jsontext import one_line


def key_of(item_id: Any, line: Any, dup: Any = None) -> str:
    """The key of a record or an item: what --resume compares (as JSON text, so 7 is not "7")."""
    key = f"line:{line}" if item_id is None else one_line(item_id)
    return key if dup is None else f"{key}\x00{dup}"


@dataclass
class Ids:
    counts: dict[str, int] = field(default_factory=dict)  # how often each id was seen, over the whole input
    repeated: int = 0  # lines whose id came before
    first_repeat: tuple[Any, int] | None = None  # (id, line) of the first of them

    def place(self, item_id: Any, line: int) -> tuple[dict[str, Any], str]:
        """The fields that place a line's record in the input ({"line", "dup"?}) and its key."""
        if item_id is None:
            return {"line": line}, key_of(None, line)
        key = one_line(item_id)
        seen = self.counts.get(key, 0) + 1
        self.counts[key] = seen
        if seen == 1:
            return {"line": line}, key
        self.repeated += 1
        if self.first_repeat is None:
            self.first_repeat = (item_id, line)
        return {"line": line, "dup": seen}, key_of(item_id, line, seen)

    def warning(self) -> str | None:
        if self.first_repeat is None:
            return None
        item_id, line = self.first_repeat
        if self.repeated == 1:
            said = "1 input line repeats"
            theirs = "its record carries"
        else:
            said = f"{self.repeated} input lines repeat"
            theirs = "their records carry"
        return (
            f"{said} an id seen before (the first: {one_line(item_id)} on line {line}); "
            f'{theirs} "dup": 2, 3, ... beside the id'
        )
