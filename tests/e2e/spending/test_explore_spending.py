"""Arbitrary key records, price lists and generation records, and arbitrary spending arguments,
through the installed sacli: the documented exit codes, never 1, bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Request, Response

from sacli.exitcodes import ExitCode
from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli, shaped_like
from tests.support.helpers import sse

KEY = {"data": {"label": "k", "limit": 10, "limit_remaining": 2.5, "limit_reset": "monthly", "usage_daily": 1}}
MODELS = {"data": [{"id": "lab/m", "pricing": {"prompt": "0.000001", "completion": "0.00001", "request": "0"}}]}
GENERATION = {"data": {"id": "gen-test", "total_cost": 0.002}}
REPLIES = st.one_of(
    st.sampled_from([KEY, MODELS, GENERATION]).flatmap(shaped_like).map(json.dumps),
    HOSTILE_JSON,
    json_values().map(json.dumps),
)


def env_of(scripted: Scripted, home: Path, log: str) -> dict[str, str]:
    """The server's environment with a log of its own and no config file (other explorations write theirs)."""
    return {**scripted.env(home), "SACLI_LOG_DB": str(home / log), "XDG_CONFIG_HOME": str(home / "no-config")}


def answering(body: str, status: int):
    def answer(request: Request) -> Response:
        if request.path.endswith("/chat/completions"):
            return Response(sse("ok"), content_type="text/event-stream")  # no cost: it is looked up
        return Response(body, status=status, content_type="application/json")

    return answer


@EXPLORE
@given(body=REPLIES, status=st.sampled_from([200, 200, 404, 500]), json_out=st.booleans())
def test_any_key_record(scripted: Scripted, explore_home: Path, body: str, status: int, json_out: bool) -> None:
    scripted.answer(answering(body, status))
    args = ["credits", "--retries", "0", *(["--json"] if json_out else [])]
    outcome = sacli(args, env_of(scripted, explore_home, "credits.db"))
    assert_clean(outcome, codes={0, ExitCode.API, ExitCode.AUTH, ExitCode.SPENDING_LIMIT})


@EXPLORE
@given(body=REPLIES, status=st.sampled_from([200, 404, 500]), limit=st.sampled_from(["--max-cost", "--budget"]))
def test_any_price_list_and_generation_record(
    scripted: Scripted, explore_home: Path, body: str, status: int, limit: str
) -> None:
    scripted.answer(answering(body, status))
    env = env_of(scripted, explore_home, "spend.db")
    outcome = sacli(["stream", "--retries", "0", "-m", "lab/m", limit, "1", "hi"], env)
    assert_clean(outcome, codes={0, ExitCode.USAGE, ExitCode.API, ExitCode.SPENDING_LIMIT})
    if limit == "--budget":  # the chat went well: whatever the cost lookup met, the answer stands
        assert (outcome.code, outcome.stdout) == (0, b"ok\n")


ARGUMENT = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20),
    st.sampled_from(["0", "-1", "nan", "inf", "1e400", "7d", "2026-13-45"]),
)


@EXPLORE
@given(
    value=ARGUMENT,
    option=st.sampled_from(["--max-cost", "--budget", "--budget-since", "--budget-scope", "--max-cost-item", "--by"]),
)
def test_any_spending_argument(scripted: Scripted, explore_home: Path, value: str, option: str) -> None:
    scripted.answer(answering(json.dumps(MODELS), 200))
    env = env_of(scripted, explore_home, "args.db")
    args = {
        "--max-cost-item": ["batch", "--max-cost-item", value],
        "--by": ["usage", "--by", value, "--since", value],
    }.get(option, ["stream", "-m", "lab/m", option, value, "hi"])
    stdin = b'{"id": 1, "prompt": "x"}\n' if args[0] == "batch" else None
    outcome = sacli(args, env, stdin=stdin)
    assert_clean(outcome, codes={0, ExitCode.USAGE, ExitCode.API, ExitCode.BATCH_FAILED, ExitCode.SPENDING_LIMIT})
