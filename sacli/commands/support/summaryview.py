"""The comparison of the models of a batch (sacli.batch.summary) as a person reads it: on a terminal a
table with a bar per model drawn to scale (the slowest median time has the whole bar), the bars
and the names kept and the other columns left out from the last as the terminal narrows; in a
pipe one tab-separated line per model with every figure. A cost sacli estimated is marked ``*``.
"""

from __future__ import annotations

from typing import Any

from sacli.term.bars import BAR_CELLS, MIN_BAR, bar
from sacli.term.money import dollars
from sacli.term.stdout import Output
from sacli.term.tables import emit_records

TSV_FIELDS = (
    "model", "items", "ok", "failed", "first_token_p50", "first_token_p95", "duration_p50", "duration_p95",
    "tokens_in", "tokens_out", "cost", "cost_estimated", "schema_rate",
)  # fmt: skip
OTHERS_AT_80 = 68  # the cells the columns up to "Time p95" want besides the bar, borders included


def show_summary(out: Output, document: dict[str, Any]) -> None:
    models = document["models"]
    if not models:
        return
    if not out.is_terminal:
        rows = [_flat(model) for model in models]
        emit_records(out, rows, [(key, key, None) for key in TSV_FIELDS])
        return
    from sacli.term.tty import columns

    slowest = max((_p(model, "duration_ms", "p50") or 0.0) for model in models)
    bar_cells = max(MIN_BAR, min(BAR_CELLS, columns(out.fd) - OTHERS_AT_80))
    schema = any(model["schema"] for model in models)
    shown = [
        {
            "time": _seconds(_p(model, "duration_ms", "p50")),
            "bar": bar(_p(model, "duration_ms", "p50") or 0.0, slowest, bar_cells),
            "model": model["model"],
            "ok": f"{model['ok']}/{model['items']}",
            "cost": "" if model["cost"] is None else dollars(model["cost"]) + ("*" if model["cost_estimated"] else ""),
            "first": _seconds(_p(model, "first_token_ms", "p50")),
            "p95": _seconds(_p(model, "duration_ms", "p95")),
            "schema": f"{model['schema']['rate']:.0%}" if model["schema"] else "",
            "tokens": f"{model['tokens_in']:,}→{model['tokens_out']:,}",
        }
        for model in models
    ]
    table = [
        ("time", "Time p50", None),
        ("bar", "", None),
        ("model", "Model", None),
        ("ok", "OK", None),
        ("cost", "Cost", None),
        ("first", "1st token", None),
        ("p95", "Time p95", None),
        *([("schema", "Schema", None)] if schema else []),
        ("tokens", "Tokens in→out", None),
    ]
    emit_records(out, shown, table, free="model")
    if any(model["cost_estimated"] for model in models):
        out.write("* estimated from tokens at the models' prices\n")


def _p(model: dict[str, Any], key: str, which: str) -> float | None:
    figures = model[key]
    return None if figures is None else figures[which]


def _seconds(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.2f} s"


def _flat(model: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: model[key] for key in ("model", "items", "ok", "failed", "tokens_in", "tokens_out", "cost")},
        "first_token_p50": _p(model, "first_token_ms", "p50"),
        "first_token_p95": _p(model, "first_token_ms", "p95"),
        "duration_p50": _p(model, "duration_ms", "p50"),
        "duration_p95": _p(model, "duration_ms", "p95"),
        "cost_estimated": int(model["cost_estimated"]),  # 0 or 1, as the TSV of sacli usage and sacli logs
        "schema_rate": model["schema"]["rate"] if model["schema"] else None,
    }
