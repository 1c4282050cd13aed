"""``--resume FILE``: the records of an earlier run, and which of its items need no second request.

Every line of FILE must be a batch record: a JSON object with an ``id`` and a ``status`` or an
``error`` (records written before ``status`` existed have only ``error``). Anything else — the
prompts file given by mistake, a log — is exit 2 naming the first such line, rather than a run
that quietly skips nothing or everything. An item is done when its record says status ``ok``
(or, in an older record, ``error`` null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sacli.api.limits import JSON_BODY_LIMIT, mib
from sacli.batch.ids import key_of
from sacli.errors import UsageError
from sacli.readers.jsontext import JsonProblem, one_line, parse_json
from sacli.readers.localfiles import NoLineEnd, bounded_lines

RECORD_LINE_LIMIT = 2 * JSON_BODY_LIMIT  # one record: a reply of up to JSON_BODY_LIMIT, escaped


@dataclass
class Resumed:
    done: set[str] = field(default_factory=set)  # the keys of the items answered (model_key)
    unmatched: dict[str, Any] = field(default_factory=dict)  # key -> id, of records no input line has had yet

    def matched(self, key: str, model: str | None) -> bool:
        """Whether the item of ``key`` and ``model`` is done; notes that the input has it. A record
        from before model_asked stands for the line whatever the model."""
        with_model = model_key(key, model)
        self.unmatched.pop(with_model, None)
        self.unmatched.pop(key, None)
        return with_model in self.done or key in self.done

    def warning(self, path: str) -> str | None:
        if not self.unmatched:
            return None
        count = len(self.unmatched)
        example = next(iter(self.unmatched.values()))
        records, have = ("record", "has") if count == 1 else ("records", "have")
        return (
            f"{count} {records} in --resume {path} {have} no item in the input (e.g. id {example}): "
            "is it another run's output?"
        )


def model_key(key: str, model: Any) -> str:
    return f"{key}\x00{one_line(model)}"


def read_resume(path: str, *, missing_ok: bool) -> Resumed:
    resumed = Resumed()
    try:
        with open(path, "rb") as file:
            for number, data in bounded_lines(file, RECORD_LINE_LIMIT):
                if data is not None and not data.strip():
                    continue
                if data is None:
                    too_long = f"is longer than {mib(RECORD_LINE_LIMIT)}"
                    raise UsageError(f"--resume {path}: line {number} {too_long}: not a batch record")
                record = _record(data)
                if record is None:
                    raise UsageError(
                        f"--resume {path}: line {number} is not a batch record "
                        '(a JSON object with "id" and "status" or "error")',
                        hint="--resume takes the output of an earlier sacli batch, not its input",
                    )
                key = key_of(record["id"], record.get("line"), record.get("dup"))
                if "model_asked" in record:
                    key = model_key(key, record["model_asked"])
                if _answered(record):
                    resumed.done.add(key)
                resumed.unmatched.setdefault(key, _shown(record))
    except FileNotFoundError:
        if missing_ok:
            return resumed  # the first run of `sacli batch --resume out.jsonl --resume-missing-ok ... >> out.jsonl`
        raise UsageError(
            f"--resume {path}: no such file", hint="--resume-missing-ok starts afresh when it does not exist yet"
        ) from None
    except (OSError, NoLineEnd) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read --resume {path}: {reason}") from None
    return resumed


def _record(data: bytes) -> dict[str, Any] | None:
    try:
        record = parse_json(data)
    except JsonProblem:
        return None
    return record if is_record(record) else None


def is_record(record: Any) -> bool:
    """Whether ``record`` is a batch record: an object with an id (or a line) and a status or an error."""
    if not isinstance(record, dict) or "id" not in record or not ("status" in record or "error" in record):
        return False
    return record["id"] is not None or isinstance(record.get("line"), int)


def _answered(record: dict[str, Any]) -> bool:
    if "status" in record:
        return record["status"] == "ok"
    return record.get("error") is None


def _shown(record: dict[str, Any]) -> str:
    shown = f"null, line {record['line']}" if record["id"] is None else one_line(record["id"])
    return shown if len(shown) <= 60 else shown[:57] + "..."
