"""The models list, kept for a day under ``$XDG_CACHE_HOME/sacli/models.json``.

``sacli models`` writes it (whole or not at all: a temporary file renamed over the old one)
and reads it while it is fresh for the same base URL; TAB completion of ``-m`` reads it and
nothing else, so completing never makes a request.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sacli.readers.jsontext import parse_json
from sacli.readers.localfiles import read_bounded
from sacli.store import modelexpiry
from sacli.store.paths import cache_dir
from sacli.store.wholefile import write_json

FRESH_FOR = 24 * 3600.0  # seconds
CACHE_LIMIT = 32 * 1024 * 1024


def cache_path() -> Path:
    return cache_dir() / "models.json"


def read(base_url: str | None = None) -> list[dict[str, Any]] | None:
    """The cached models (those with an ID, as the server's list is read); None when there are none,
    or they are older than a day or (given ``base_url``) from another server."""
    document = _document()
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        return None
    if base_url is not None and document.get("base_url") != base_url:
        return None
    fetched = document.get("fetched_at")
    if not isinstance(fetched, int | float) or time.time() - fetched > FRESH_FOR:
        return None
    return [model for model in document["models"] if isinstance(model, dict) and isinstance(model.get("id"), str)]


def write(base_url: str, models: list[dict[str, Any]]) -> None:
    """Keep ``models``; a cache that cannot be written is no error (the next run asks again).

    ``base_url`` is written as given: give it with any password hidden (``user:***@host``). The
    models' expiry dates are kept beside it (sacli.store.modelexpiry).
    """
    fetched_at = time.time()
    if not write_json(cache_path(), {"base_url": base_url, "fetched_at": fetched_at, "models": models}):
        return
    modelexpiry.write(base_url, fetched_at, models)


def model_ids(prefix: str) -> list[str]:
    """Cached model IDs that start with ``prefix`` (for completion; any server's, however old)."""
    document = _document()
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, list):
        return []
    ids = (model.get("id") for model in models if isinstance(model, dict))
    return sorted(i for i in ids if isinstance(i, str) and i.startswith(prefix))


def _document() -> Any:
    """The cache file's JSON, or None when there is none that can be read."""
    try:
        return parse_json(read_bounded(str(cache_path()), CACHE_LIMIT))
    except (OSError, ValueError):  # JsonProblem and TooLarge are ValueErrors
        return None
