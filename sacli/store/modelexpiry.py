"""The expiry dates of the cached models list, kept beside it in ``$XDG_CACHE_HOME/sacli/model-expiry.json``.

The models list is large (hundreds of models); a chat command that only wants to know whether its
model is about to go reads this small file instead: ``{"base_url", "fetched_at", "expires": {ID:
"YYYY-MM-DD"}}``, only the models that have a date. It is written whenever the list is
(sacli.store.modelcache), never on its own, so it never causes a request; a list written by an
older sacli has none until it is asked for again.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from sacli.readers.jsontext import parse_json
from sacli.readers.localfiles import read_bounded
from sacli.store.paths import cache_dir
from sacli.store.wholefile import write_json

INDEX_LIMIT = 1024 * 1024
ID_LIMIT = 300  # longer IDs are not kept: no real model has one


def index_path() -> Path:
    return cache_dir() / "model-expiry.json"


def write(base_url: str, fetched_at: float, models: list[dict[str, Any]]) -> None:
    """Keep the dates of ``models`` (whole or not at all); a failure is no error."""
    from sacli.readers.isodate import iso_date

    expires: dict[str, str] = {}
    for model in models:
        model_id = model.get("id") if isinstance(model, dict) else None
        date = iso_date(model.get("expiration_date")) if isinstance(model, dict) else None
        if isinstance(model_id, str) and len(model_id) <= ID_LIMIT and date is not None:
            expires[model_id] = date.isoformat()
    write_json(index_path(), {"base_url": base_url, "fetched_at": fetched_at, "expires": expires})


def expiry_of(base_url: str, model_id: str) -> datetime.date | None:
    """The date after which ``model_id`` may be removed, as the list last kept for ``base_url``
    says (however old it is: a date seldom moves); None when it has none, or there is no such list.
    Run at the start of every chat command: it imports nothing that is not loaded by then."""
    try:
        document = parse_json(read_bounded(str(index_path()), INDEX_LIMIT))
    except (OSError, ValueError):  # no file, too large, not JSON
        return None
    if not isinstance(document, dict) or document.get("base_url") != base_url:
        return None
    expires = document.get("expires")
    date = expires.get(model_id) if isinstance(expires, dict) else None
    if not isinstance(date, str) or len(date) != 10:  # written as YYYY-MM-DD
        return None
    try:
        return datetime.date.fromisoformat(date)
    except ValueError:
        return None
