"""The user-memory facts (reference section 6): list, add, search, update and delete. Data in, data out.

Replies come in ``{success, data[, pagination]}`` envelopes. A list is read page after page
while ``pagination.hasMore`` says there is more, up to the number asked for. A 404 on a fact's
own URL becomes a ``FactNotFound`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from sacli.api.client import ApiClient, require_ids, unwrap
from sacli.errors import ApiError, SacliError

T = TypeVar("T")

FACTS_PATH = "/api/memory/facts"
SEARCH_PATH = "/api/memory/facts/search"
PAGE = 100  # facts asked for per page
LEVELS = ("user", "session")

# [Assumption] The reference names PUT for an update (and DELETE for a delete) without showing
# them: PUT is tried first, PATCH when the server answers 405.
UPDATE_METHODS: tuple[str, ...] = ("PUT", "PATCH")
UPDATE_FALLBACK_STATUSES = frozenset({405})


class FactNotFound(ApiError):
    def __init__(self, fact_id: str) -> None:
        super().__init__(f"fact {fact_id} not found (HTTP 404)", hint="see 'sacli facts list'")
        self.fact_id = fact_id
        self.status = 404


def fact_path(fact_id: str) -> str:
    require_ids([fact_id], "fact")
    return f"{FACTS_PATH}/{quote(fact_id, safe='')}"


def list_facts(api: ApiClient, *, limit: int, category: str | None = None, level: str | None = None) -> list[dict]:
    """Up to ``limit`` facts, following the pages while the server says there are more."""
    facts: list[dict[str, Any]] = []
    seen: set[Any] = set()
    while len(facts) < limit:
        params: dict[str, Any] = {"limit": min(PAGE, limit - len(facts)), "offset": len(facts)}
        params.update((k, v) for k, v in (("category", category), ("level", level)) if v is not None)
        payload = api.call_json("GET", FACTS_PATH, params=params)
        page = _facts_of(unwrap(payload, "facts"), "the fact list")
        fresh = [fact for fact in page if fact.get("id") not in seen]  # a server that ignores offset ends here
        seen.update(fact.get("id") for fact in fresh)
        facts += fresh
        pagination = payload.get("pagination") if isinstance(payload, dict) else None
        if not fresh or not (isinstance(pagination, dict) and pagination.get("hasMore")):
            break
    return facts[:limit]


def add_fact(api: ApiClient, content: str, *, category: str | None = None, level: str | None = None) -> dict:
    body: dict[str, Any] = {"content": content, "source": "api"}
    body.update((k, v) for k, v in (("category", category), ("level", level)) if v is not None)
    fact = unwrap(api.call_json("POST", FACTS_PATH, json_body=body), "fact")
    if not isinstance(fact, dict) or not fact.get("id"):
        raise ApiError("the server added the fact but its reply holds no fact ID")
    return fact


def search_facts(api: ApiClient, query: str, *, top_k: int, threshold: float) -> list[dict]:
    body = {"query": query, "topK": top_k, "threshold": threshold}
    return _facts_of(unwrap(api.call_json("POST", SEARCH_PATH, json_body=body), "facts", "results"), "the search")


def update_fact(api: ApiClient, fact_id: str, content: str) -> Any:
    """The server's reply (unwrapped; None when it sent no body)."""
    path = fact_path(fact_id)
    attempts = [
        (f"{method} {path}", lambda m=method: api.call_json(m, path, json_body={"content": content}))
        for method in UPDATE_METHODS
    ]
    payload = _for_fact(fact_id, lambda: api.first_accepted(attempts, fall_back_on=UPDATE_FALLBACK_STATUSES))
    return unwrap(payload, "fact")


def delete_fact(api: ApiClient, fact_id: str) -> Any:
    path = fact_path(fact_id)
    return unwrap(_for_fact(fact_id, lambda: api.call_json("DELETE", path)), "fact")


def _facts_of(items: Any, what: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(f"the reply to {what} holds no list of facts")
    return items


def _for_fact(fact_id: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except SacliError as error:
        if error.status == 404:
            raise FactNotFound(fact_id) from error
        raise
