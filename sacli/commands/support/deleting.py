"""Deleting items one after another: ``sessions delete``, ``facts delete`` and ``files delete``.

On a terminal sacli asks first; without one it needs ``--yes``. Each deleted ID goes to stdout
(``deleted ID`` on a terminal) or, with ``--json``, one JSON line per ID, missing and failed
ones included. A missing item (404) does not stop the others: the missing ones are reported at
the end (exit 5). Any other error stops at once; when several IDs were given, stderr then says
which were deleted, which failed and which were not tried.
"""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from sacli.api.client import ApiClient, require_ids
from sacli.api.resources import NotFound
from sacli.cli.options import TEXT, ConnectionOptions, Json, Yes, options
from sacli.errors import ApiError, SacliError
from sacli.term.confirm import confirm
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tables import deletion, emit_json, tsv_field

Deleter = Callable[[ApiClient, str], Any]


def delete_command(noun: str, what: str, calls: Callable[[], tuple[Deleter, type[NotFound]]]) -> Callable[..., None]:
    """The ``delete`` command of a collection: ``what`` says what goes with an item, ``calls`` gives
    the API's delete and the error of a missing item (imported when the command runs)."""

    def delete(
        ids: Annotated[
            list[str],
            typer.Argument(metavar="ID...", help=f"The {noun}s to delete.", show_default=False, click_type=TEXT),
        ],
        *,
        yes: Yes = False,
        json: Json = False,
        conn: ConnectionOptions,
    ) -> None:
        from sacli.commands.support.connect import connect

        checked = require_ids(ids, noun)
        remove, not_found = calls()
        delete_each(connect(conn), checked, delete=remove, not_found=not_found, what=noun, yes=yes, json=json)

    delete.__doc__ = f"""Delete {noun}s{what}; prints each deleted ID on its own line.

    On a terminal it asks first; without one it needs --yes. Missing {noun}s are reported at
    the end (exit 5) after the others are deleted.
    """
    return options(conn=ConnectionOptions)(delete)


def delete_each(
    api: ApiClient,
    ids: list[str],
    *,
    delete: Callable[[ApiClient, str], Any],
    not_found: type[NotFound],
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
    missing: list[NotFound] = []
    done: set[str] = set()
    current = None
    try:
        with api:
            for current in ids:
                try:
                    reply = delete(api, current)
                except not_found as error:
                    missing.append(error)
                    if json:
                        emit_json(out, deletion(current, deleted=False, error=error))
                    continue
                done.add(current)
                if json:
                    emit_json(out, deletion(current, deleted=True, response=reply))
                else:
                    out.write_line(f"deleted {current}" if out.is_terminal else tsv_field(current))
    except SacliError as error:
        error.message = f"deleting {current}: {error.message}"
        gone = {error.item_id for error in missing}
        rest = [i for i in ids if i not in done and i not in gone]
        if json:  # the one that failed, then the ones not tried
            for index, item_id in enumerate(rest):
                emit_json(out, deletion(item_id, deleted=False, error=error if index == 0 else None))
        if len(ids) > 1:
            for item_id in ids:
                state = "deleted" if item_id in done else "not found" if item_id in gone else "failed"
                MESSAGES.write(f"sacli: {'not deleted' if item_id in rest[1:] else state}: {item_id}\n")
        raise
    if len(missing) == 1:
        raise missing[0]
    if missing:
        raise ApiError(f"{len(missing)} {what}s not found: {', '.join(error.item_id for error in missing)}")
