"""The models the server offers: ``GET {base}/models``, OpenRouter's list passed through.

[Assumption] The reference documents no models endpoint; the service is said to proxy
OpenRouter, whose list is at ``/api/v1/models``. A server without one (404) is told to the user
plainly, with where OpenRouter's model IDs are listed.
"""

from __future__ import annotations

import math
from typing import Any

from sacli.api.client import ApiClient, unwrap
from sacli.errors import ApiError, SacliError


def list_models(api: ApiClient) -> list[dict[str, Any]]:
    try:
        payload = api.get_base_json("/models", require="none")
    except SacliError as error:
        if error.status == 404:
            error.message = f"the server at {api.settings.base_url} lists no models (HTTP 404)"
            error.hint = "model IDs are OpenRouter's: https://openrouter.ai/models"
        raise
    models = unwrap(payload, "models")
    if not isinstance(models, list):
        raise ApiError("the models reply holds no list of models")
    return [model for model in models if isinstance(model, dict) and isinstance(model.get("id"), str)]


def price_per_million(model: dict[str, Any], kind: str) -> str:
    """The model's price of a million prompt or completion tokens, as OpenRouter's per-token string
    gives it; empty when unknown or negative (a router's price is that of the model it picks)."""
    pricing = model.get("pricing")
    value = pricing.get(kind) if isinstance(pricing, dict) else None
    try:
        per_token = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if not (math.isfinite(per_token) and per_token >= 0):
        return ""
    text = f"{per_token * 1_000_000:.4f}".rstrip("0").rstrip(".")
    return text or "0"
