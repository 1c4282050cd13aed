"""What a model costs: its prices from the models list (kept for a day), and tokens counted before the
server counts them.

[Assumption] No token-counting endpoint exists; a request's or a reply's tokens are estimated at
CHARS_PER_TOKEN characters each (the reference's heuristic), and every figure made from such an
estimate is marked estimated wherever it is shown. This is the one place that estimate is made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sacli.api.client import ApiClient

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Prices:
    """Dollars per token (and per request), as the models list gives them."""

    prompt: float
    completion: float
    request: float = 0.0

    def cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        return self.request + prompt_tokens * self.prompt + completion_tokens * self.completion


def prices_of(model: dict[str, Any]) -> Prices | None:
    """The model's prices; None when it has none that can be used (a router's are -1: those of the
    model it picks)."""
    pricing = model.get("pricing")
    if not isinstance(pricing, dict):
        return None
    found = [_price(pricing.get(kind)) for kind in ("prompt", "completion")]
    request = _price(pricing.get("request", 0))
    if None in found or request is None:
        return None
    return Prices(found[0], found[1], request)  # type: ignore[arg-type]


def _price(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def known_models(api: ApiClient, *, refresh: bool = False) -> list[dict[str, Any]]:
    """The server's models: the list kept for a day, else asked for (and kept)."""
    from sacli.api.models import list_models
    from sacli.api.urls import redact_url
    from sacli.store import modelcache

    server = redact_url(api.settings.base_url)  # the cache is kept in clear: no password in it
    found = None if refresh else modelcache.read(server)
    if found is None:
        found = list_models(api)
        modelcache.write(server, found)
    return found


def model_prices(api: ApiClient, model_id: str) -> Prices | None:
    """The prices of ``model_id``; None when the list does not have it or has no prices for it."""
    for model in known_models(api):
        if model.get("id") == model_id:
            return prices_of(model)
    return None


def estimated_tokens(characters: int) -> int:
    return math.ceil(characters / CHARS_PER_TOKEN)


def prompt_characters(body: dict[str, Any]) -> int:
    """The characters of a request's messages (their text parts; an attachment's bytes are not text)."""
    total = 0
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, list):
            total += sum(len(p["text"]) for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return total
