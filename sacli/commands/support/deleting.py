"""Deleting items one after another, for ``sessions delete`` and ``facts delete``.

On a terminal sacli asks first; without one it needs ``--yes``. Each deleted ID goes to stdout
(``deleted ID`` on a terminal) or, with ``--json``, one JSON line per ID, missing and failed
ones included. A missing item (404) does not stop the others: the missing ones are reported at
the end (exit 5). Any other error stops at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sacli.api.client import ApiClient
from sacli.errors import ApiError, SacliError
from sacli.term.confirm import confirm
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import deletion, emit_json, tsv_field


def delete_each(
    api: ApiClient,
    ids: list[str],
    *,
    delete: Callable[[ApiClient, str], Any],
    not_found: type[ApiError],
    what: str,
    yes: bool,
    json: bool,
) -> None:
    """Delete each of ``ids`` with ``delete``; ``not_found`` is the error of a missing one, ``what`` its noun."""
    api.headers(require="super_agent")  # no key: fail before asking
    question = f"Delete {what} {ids[0]}?" if len(ids) == 1 else f"Delete {len(ids)} {what}s ({', '.join(ids)})?"
    if not confirm(question, yes=yes, messages=MESSAGES):
        MESSAGES.notice("nothing deleted")
        return
    out = Output()
    missing: list[str] = []
    first_missing: ApiError | None = None
    done: set[str] = set()
    try:
        with api:
            for item_id in ids:
                try:
                    reply = delete(api, item_id)
                except not_found as error:
                    missing.append(item_id)
                    first_missing = first_missing or error
                    if json:
                        emit_json(out, deletion(item_id, deleted=False, error=error))
                    continue
                done.add(item_id)
                if json:
                    emit_json(out, deletion(item_id, deleted=True, response=reply))
                else:
                    out.write_line(f"deleted {item_id}" if out.is_terminal else tsv_field(item_id))
    except SacliError as error:
        if json:  # the one that failed, then the ones not tried
            rest = [i for i in ids if i not in done and i not in missing]
            for index, item_id in enumerate(rest):
                emit_json(out, deletion(item_id, deleted=False, error=error if index == 0 else None))
        raise
    if len(missing) == 1 and first_missing is not None:
        raise first_missing
    if missing:
        raise ApiError(f"{len(missing)} {what}s not found: {', '.join(missing)}")
