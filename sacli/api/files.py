"""The RAG file API (reference section 8): upload, list, update and delete knowledge-base files.

The paths hang off the API root (the base URL without its /api/v1). Replies are read
tolerantly: a file may come bare, as ``{data: ...}``, ``{file: ...}`` or ``{success, data}``;
a list as ``{files: [...]}``, ``{data: [...]}``, ``{data: {files: [...]}}`` or a bare array.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from sacli.api.client import ApiClient, decode_json_reply, require_ids, unwrap
from sacli.api.multipart import MultipartBody
from sacli.api.resources import Collection, NotFound
from sacli.errors import ApiError

UPLOAD_PATH = "/api/rag/upload"
FILES_PATH = "/api/rag/files"

# [Assumption] in the reference: the path of the delete call is not documented. The first
# form is tried; on one of FALLBACK_STATUSES the second is tried instead.
DELETE_FORMS: tuple[Callable[[str], tuple[str, dict[str, str] | None]], ...] = (
    lambda file_id: (f"{FILES_PATH}/{quote(file_id, safe='')}", None),
    lambda file_id: (FILES_PATH, {"fileId": file_id}),
)
FALLBACK_STATUSES = frozenset({404, 405})

# [Assumption] in the reference (8.5): PATCH edits a file's metadata. As with a fact's update, the
# other method is tried when the server answers 405.
UPDATE_METHODS: tuple[str, ...] = ("PATCH", "PUT")
UPDATE_FALLBACK = frozenset({405})

# An upload is not idempotent: retry only what says the file was not taken (not 500/502/504,
# after which the server may well have stored it). Connection failures are retried as always.
UPLOAD_RETRY_STATUSES = frozenset({408, 429, 503})

# Status values (reference 8.3): "processed" is documented, the failures are assumed.
DONE_STATUSES = frozenset({"processed"})
FAILED_STATUSES = frozenset({"failed", "error"})

ID_KEYS = ("fileId", "id", "file_id", "_id")
NAME_KEYS = ("filename", "fileName", "name", "originalName")
UPLOADED_KEYS = ("uploadedAt", "createdAt", "uploaded_at", "created_at")


class FileNotFound(NotFound):
    noun = "file"


FILES = Collection(FILES_PATH, FileNotFound)


def first_of(record: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None and value != "":
            return value
    return None


def file_id(record: Any) -> str | None:
    value = first_of(record, ID_KEYS) if isinstance(record, dict) else None
    return None if value is None else str(value)


def file_status(record: dict[str, Any]) -> str:
    status = record.get("status")
    return str(status).lower() if status is not None else ""


def upload_record(payload: Any) -> dict[str, Any]:
    """The file described by an upload reply, whatever its envelope ({} when there is none).

    A reply that is the file itself with the envelope's ``success`` beside its fields (the
    reference's ``{success, fileId, ...}``) loses that ``success``: it is the envelope's, not the file's.
    """
    record = unwrap(payload, "file")
    if isinstance(record, dict) and "files" in record and file_id(record) is None:
        record = record["files"]
    if isinstance(record, list) and len(record) == 1:
        record = record[0]
    if record is payload and isinstance(record, dict):
        record = {key: value for key, value in record.items() if key != "success"}
    return record if isinstance(record, dict) else {}


def file_records(payload: Any) -> list[dict[str, Any]]:
    """The file objects of a list reply."""
    records = unwrap(payload, "files")
    if isinstance(records, dict) and "files" in records:
        records = records["files"]
    if records is None:
        return []
    if not isinstance(records, list):
        raise ApiError(f"the file list from {FILES_PATH} is not a list of files")
    return [r for r in records if isinstance(r, dict)]


def upload(
    api: ApiClient,
    body: MultipartBody,
    *,
    on_attempt: Callable[[], Callable[[int], None] | None] = lambda: None,
) -> Any:
    """POST one multipart body; the decoded reply. ``on_attempt`` gives each attempt its progress callback."""
    headers = api.headers(require="super_agent", Accept="application/json", **body.headers())
    return api.transport.request(
        "POST",
        api.settings.api_root + UPLOAD_PATH,
        content=lambda: body.chunks(on_attempt()),
        headers=headers,
        handle=decode_json_reply,
        retry_on=UPLOAD_RETRY_STATUSES,
    )


def list_files(
    api: ApiClient,
    *,
    category: str | None = None,
    tags: Sequence[str] = (),
    status: str | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """(the reply as sent, its file objects)."""
    params: list[tuple[str, str]] = []
    if category is not None:
        params.append(("category", category))
    params += [("tags", tag) for tag in tags]
    if status is not None:
        params.append(("status", status))
    payload = api.call_json("GET", FILES_PATH, params=params or None)
    return payload, file_records(payload)


def delete_file(api: ApiClient, file_id: str) -> Any:
    """Delete one file, trying each of ``DELETE_FORMS`` in turn while the server says 404/405;
    a 404 for every form is a ``FileNotFound``."""
    require_ids([file_id], "file")
    forms = [form(file_id) for form in DELETE_FORMS]
    attempts = [
        (f"DELETE {path}", lambda p=path, q=params: api.call_json("DELETE", p, params=q)) for path, params in forms
    ]
    return unwrap(FILES.found(file_id, lambda: api.first_accepted(attempts, fall_back_on=FALLBACK_STATUSES)))


def update_file(api: ApiClient, file_id: str, metadata: dict[str, Any]) -> Any:
    """Give a file new metadata; the server's reply, unwrapped (None when it sent no body). A 404 is
    a ``FileNotFound``."""
    body = {"metadata": metadata}
    return unwrap(FILES.update(api, file_id, body, methods=UPDATE_METHODS, fall_back_on=UPDATE_FALLBACK), "file")
