"""The user-memory facts (reference section 6): list, add, search, update and delete. Data in, data out.

Replies come in ``{success, data[, pagination]}`` envelopes. A list is read page after page
while ``pagination.hasMore`` says there is more, up to the number asked for. A 404 on a fact's
own URL becomes a ``FactNotFound`` naming it.
"""

from __future__ import annotations

from typing import Any

from sacli.api.client import ApiClient, unwrap
from sacli.api.resources import Collection, NotFound
from sacli.errors import ApiError
from sacli.readers.jsontext import one_line

FACTS_PATH = "/api/memory/facts"
SEARCH_PATH = "/api/memory/facts/search"
PAGE = 100  # facts asked for per page
LEVELS = ("user", "session")

# [Assumption] The reference names PUT for an update (and DELETE for a delete) without showing
# them: PUT is tried first, PATCH when the server answers 405.
UPDATE_METHODS: tuple[str, ...] = ("PUT", "PATCH")
UPDATE_FALLBACK = frozenset({405})


class FactNotFound(NotFound):
    noun = "fact"


FACTS = Collection(FACTS_PATH, FactNotFound)


def list_facts(api: ApiClient, *, limit: int, category: str | None = None, level: str | None = None) -> list[dict]:
    """Up to ``limit`` facts, following the pages while the server says there are more."""
    facts: list[dict[str, Any]] = []
    seen: set[str] = set()  # the IDs as JSON text: a server may send any value as an ID
    while len(facts) < limit:
        params: dict[str, Any] = {"limit": min(PAGE, limit - len(facts)), "offset": len(facts)}
        params.update((k, v) for k, v in (("category", category), ("level", level)) if v is not None)
        payload = api.call_json("GET", FACTS_PATH, params=params)
        page = _facts_of(unwrap(payload, "facts"), "the fact list")
        fresh = [fact for fact in page if one_line(fact.get("id")) not in seen]  # a server ignoring offset ends here
        seen.update(one_line(fact.get("id")) for fact in fresh)
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
    body = {"content": content}
    return unwrap(FACTS.update(api, fact_id, body, methods=UPDATE_METHODS, fall_back_on=UPDATE_FALLBACK), "fact")


def delete_fact(api: ApiClient, fact_id: str) -> Any:
    return unwrap(FACTS.delete(api, fact_id), "fact")


def _facts_of(items: Any, what: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(f"the reply to {what} holds no list of facts")
    return items
