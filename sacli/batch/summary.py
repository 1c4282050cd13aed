"""The comparison at the end of a batch: per model asked, how many items were answered, how fast,
how many tokens and dollars, and how often the replies matched their schema.

Made from records alone (``add``), so that the records of a run and those of its shards joined
with ``cat`` give the same figures: each figure is a count, a sum (``math.fsum``, the same in any
order) or a percentile by nearest rank. Timings are of the items answered (status ok).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sacli.batch.resume import RECORD_LINE_LIMIT, is_record
from sacli.errors import UsageError
from sacli.readers.jsontext import JsonProblem, parse_json
from sacli.readers.localfiles import NoLineEnd, bounded_lines

UNKNOWN = "(unknown)"  # the model of a record that names none


@dataclass
class Figures:
    items: int = 0
    ok: int = 0
    first_token: list[float] = field(default_factory=list)
    duration: list[float] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    costs: list[float] = field(default_factory=list)
    estimated: bool = False
    schema_checked: int = 0
    schema_passed: int = 0


class Summary:
    def __init__(self) -> None:
        self.models: dict[str, Figures] = {}

    def add(self, record: dict[str, Any]) -> None:
        model = record.get("model_asked") or record.get("model") or UNKNOWN
        figures = self.models.setdefault(str(model), Figures())
        figures.items += 1
        ok = record.get("status", "ok" if record.get("error") is None else "error") == "ok"
        figures.ok += ok
        if ok:
            for values, key in ((figures.first_token, "first_token_ms"), (figures.duration, "duration_ms")):
                if _number(record.get(key)):
                    values.append(float(record[key]))
        usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
        figures.tokens_in += _count(usage.get("prompt_tokens"))
        figures.tokens_out += _count(usage.get("completion_tokens"))
        if _number(record.get("cost")):
            figures.costs.append(float(record["cost"]))
            figures.estimated |= record.get("cost_estimated") is True
        if isinstance(record.get("schema_ok"), bool):
            figures.schema_checked += 1
            figures.schema_passed += record["schema_ok"]

    def document(self) -> dict[str, Any]:
        """The summary as JSON (``--summary FILE``, ``sacli batch summary --json``): the models by name."""
        return {
            "items": sum(f.items for f in self.models.values()),
            "models": [_model(name, self.models[name]) for name in sorted(self.models)],
        }


def _model(name: str, figures: Figures) -> dict[str, Any]:
    checked = figures.schema_checked
    return {
        "model": name,
        "items": figures.items,
        "ok": figures.ok,
        "failed": figures.items - figures.ok,
        "first_token_ms": _percentiles(figures.first_token),
        "duration_ms": _percentiles(figures.duration),
        "tokens_in": figures.tokens_in,
        "tokens_out": figures.tokens_out,
        "cost": round(math.fsum(figures.costs), 10) if figures.costs else None,
        "cost_estimated": figures.estimated,
        "schema": (
            {"checked": checked, "passed": figures.schema_passed, "rate": round(figures.schema_passed / checked, 4)}
            if checked
            else None
        ),
    }


def _percentiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {f"p{p}": ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] for p in (50, 95)}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def summarise_files(paths: list[str], stdin: BinaryIO) -> Summary:
    """The summary of the batch records in ``paths`` ("-": ``stdin``); a line that is not a record is
    exit 2 naming it."""
    summary = Summary()
    for path in paths:
        try:
            if path == "-":
                _add_file(summary, stdin, "stdin")
                continue
            with open(path, "rb") as file:
                _add_file(summary, file, path)
        except OSError as exc:
            raise UsageError(f"cannot read {'stdin' if path == '-' else path}: {exc.strerror or exc}") from None
    return summary


def _add_file(summary: Summary, file: BinaryIO, name: str) -> None:
    try:
        for number, data in bounded_lines(file, RECORD_LINE_LIMIT):
            if data is not None and not data.strip():
                continue
            try:
                record = parse_json(data) if data is not None else None
            except JsonProblem:
                record = None
            if not is_record(record):
                raise UsageError(f"{name}: line {number} is not a batch record (sacli schema batch)")
            summary.add(record)
    except NoLineEnd as exc:
        raise UsageError(f"cannot read {name}: {exc}") from None
