"""sacli usage over a log of 1,000 exchanges in 30 days: sums exact to the cent, by day, model and tag,
as TSV, JSON and Markdown, and on a screen a table whose bars are drawn to scale."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sacli.store.logdb import write_many
from sacli.store.logquery import new_id
from tests.support.helpers import run
from tests.support.screen import WIDTHS, after_table, show, table

MODELS = ["lab/small", "lab/large", "some-provider/a-rather-long-model-v2"]
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    path = tmp_path_factory.mktemp("usage") / "logs.db"
    rng = random.Random(25)
    rows = []
    for n in range(1000):
        when = START + timedelta(days=n % 30, seconds=n)
        rows.append({
            "id": new_id(when.timestamp()), "started_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "status": "ok",
            "exit_code": 0 if n % 50 else 5, "model": MODELS[n % 3], "prompt_tokens": rng.randrange(10, 900),
            "completion_tokens": rng.randrange(1, 2000), "cost": rng.randrange(1, 90_000) / 1_000_000,
            "cost_estimated": int(n % 97 == 0), "tags": json.dumps(["nightly"] if n % 2 else ["pr", "lint"]),
            "session_id": f"session-{n % 7}" if n % 5 else None,
        })  # fmt: skip
    write_many(path, rows)
    return path, rows


def env_for(env: dict[str, str], path: Path) -> dict[str, str]:
    return {**env, "SACLI_LOG_DB": str(path), "TZ": "UTC"}


def expected(rows: list[dict], key) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for k in key(row):
            sums[k] += Decimal(str(row["cost"]))
    return sums


def test_sums_by_day_model_tag_and_session_are_exact(env: dict[str, str], log: tuple[Path, list[dict]]) -> None:
    path, rows = log
    groupings = {
        "day": lambda r: [r["started_at"][:10]],
        "model": lambda r: [r["model"]],
        "tag": lambda r: json.loads(r["tags"]),
        "session": lambda r: [r["session_id"] or ""],
    }
    for by, key in groupings.items():
        result = run("usage", "--by", by, env=env_for(env, path))
        assert result.returncode == 0, result.stderr
        lines = [line.split("\t") for line in result.stdout.decode().splitlines()]
        want = expected(rows, key)
        assert {line[0]: Decimal(line[5]) for line in lines} == want  # to the millionth, so to the cent
        assert sum(int(line[1]) for line in lines) == sum(len(key(r)) for r in rows)
    days = json.loads(run("usage", "--json", env=env_for(env, path)).stdout)
    assert len(days) == 30 and days[0]["key"] == "2026-11-30"  # the latest day first
    assert sum(day["failed"] for day in days) == 20 and sum(day["estimated"] for day in days) == 11


def test_filters_and_markdown(env: dict[str, str], log: tuple[Path, list[dict]]) -> None:
    path, rows = log
    result = run(
        "usage", "--by", "model", "--tag", "nightly", "--since", "2026-11-16", "--markdown", env=env_for(env, path)
    )
    assert result.returncode == 0
    picked = [r for r in rows if "nightly" in r["tags"] and r["started_at"] >= "2026-11-16"]
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "| Model | Exchanges | Failed | Prompt tokens | Completion tokens | Cost |"
    total = lines[-1] if not lines[-1].startswith("\\*") else lines[-3]
    cells = [cell.strip() for cell in total.strip("|").split("|")]
    assert cells[0] == "**Total**" and int(cells[1]) == len(picked)
    assert Decimal(cells[5].lstrip("$").rstrip("*")) == sum(Decimal(str(r["cost"])) for r in picked)


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_chart_is_drawn_to_scale(columns: int, env: dict[str, str], log: tuple[Path, list[dict]]) -> None:
    path, _ = log
    screen = show("usage", "--by", "model", env=env_for(env, path), columns=columns, rows=30)
    lines = screen.scrollback
    assert all(len(line) <= columns for line in lines)
    cells = table(lines)
    headings, body = cells[0], cells[1:]
    assert headings[:3] == ["Cost", "Share", "Model"]
    body = [[row[2].rstrip("…"), row[0], row[1]] for row in body]  # name, cost, bar; a name may be cut
    costs = {row[0]: Decimal(row[1].lstrip("$").rstrip("*")) for row in body}
    assert costs.pop("Total") == sum(costs.values())
    most = max(costs.values())

    def eighths(bar: str) -> int:
        return 8 * bar.count("█") + sum(" ▏▎▍▌▋▊▉".index(c) for c in bar if c in "▏▎▍▌▋▊▉")

    full = max(eighths(row[2]) for row in body[:-1])  # the costliest row's bar fills it
    assert full >= 5 * 8
    for row in body[:-1]:
        assert abs(eighths(row[2]) - float(costs[row[0]] / most) * full) <= 1, row


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_notice_of_exchanges_without_a_cost_counts_them_in_words(
    columns: int, env: dict[str, str], tmp_path: Path
) -> None:
    def logged(unpriced: int) -> dict[str, str]:
        when = [START + timedelta(seconds=n) for n in range(3)]
        rows = [
            {
                "id": new_id(at.timestamp()),
                "started_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "status": "ok",
                "exit_code": 0,
                "model": "lab/small",
                "cost": None if n < unpriced else 0.25,
                "tags": "[]",
            }
            for n, at in enumerate(when)
        ]
        write_many(tmp_path / f"{unpriced}.db", rows)
        return env_for(env, tmp_path / f"{unpriced}.db")

    screen = show("usage", "--by", "model", env=logged(1), columns=columns)
    assert after_table(screen.scrollback, columns).endswith("sacli: 1 exchange reported no cost and counts as $0")
    screen = show("usage", "--by", "model", env=logged(2), columns=columns)
    assert after_table(screen.scrollback, columns).endswith("sacli: 2 exchanges reported no cost and count as $0")
