"""A file sacli keeps, written whole or not at all: a temporary file beside it, renamed over it."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def write_json(path: Path, document: Any) -> bool:
    """Write ``document`` as JSON to ``path``; False (and nothing changed) when it cannot be written."""
    import tempfile

    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.stem}-", delete=False) as file:
            temporary = file.name
            json.dump(document, file)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    return True
