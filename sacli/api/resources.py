"""The service's REST collections (sessions, facts): an item's URL, the 404 that names it, and an
update whose method the reference only assumes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote

from sacli.api.client import ApiClient, require_ids
from sacli.errors import ApiError, SacliError

T = TypeVar("T")


class NotFound(ApiError):
    """A 404 on an item's own URL: the item does not exist (``noun`` says what it is)."""

    noun = "item"

    def __init__(self, item_id: str) -> None:
        super().__init__(f"{self.noun} {item_id} not found (HTTP 404)", hint=f"see 'sacli {self.noun}s list'")
        self.item_id = item_id
        self.status = 404


class Collection(NamedTuple):
    path: str
    not_found: type[NotFound]

    def item_path(self, item_id: str) -> str:
        """``path/ID``, the ID quoted whole: one holding "/" or "?" must not reach another URL."""
        require_ids([item_id], self.not_found.noun)
        return f"{self.path}/{quote(item_id, safe='')}"

    def get(self, api: ApiClient, item_id: str) -> Any:
        path = self.item_path(item_id)
        return self.found(item_id, lambda: api.call_json("GET", path))

    def delete(self, api: ApiClient, item_id: str) -> Any:
        path = self.item_path(item_id)
        return self.found(item_id, lambda: api.call_json("DELETE", path))

    def update(
        self,
        api: ApiClient,
        item_id: str,
        body: dict[str, Any],
        *,
        methods: Sequence[str],
        fall_back_on: frozenset[int],
    ) -> Any:
        """The first of ``methods`` the server accepts (the next one while it answers a status in ``fall_back_on``)."""
        path = self.item_path(item_id)
        attempts = [(f"{method} {path}", lambda m=method: api.call_json(m, path, json_body=body)) for method in methods]
        return self.found(item_id, lambda: api.first_accepted(attempts, fall_back_on=fall_back_on))

    def found(self, item_id: str, call: Callable[[], T]) -> T:
        """``call()``; a 404 becomes the error that names the item."""
        try:
            return call()
        except SacliError as error:
            if error.status == 404:
                raise self.not_found(item_id) from error
            raise
