"""Arbitrary model objects in the models list through the installed sacli: ``models --json``,
``models show`` and the expiry warning of ``stream`` read whatever the server sent without exit 1,
a traceback or unbounded memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Request, Response

from tests.e2e.models.listing import DOCUMENTED, in_days
from tests.support.explore import EXPLORE, HOSTILE_JSON, Scripted, assert_clean, json_values, sacli, shaped_like
from tests.support.helpers import sse

ID = "openai/gpt-4"
DATES = st.one_of(
    st.sampled_from([in_days(-1), in_days(0), in_days(29), in_days(400), "2027-02-30", "0000-01-01", "9999-12-31"]),
    st.sampled_from(["2026-01-01T00:00:00Z", "20270110", "2027-1-10", "", " " * 70 + "2027-01-01"]),
    json_values(3),
)
MODEL = st.one_of(
    shaped_like(DOCUMENTED),
    st.builds(
        lambda m, d, k: {**m, "id": ID, "expiration_date": d, "knowledge_cutoff": k},
        shaped_like(DOCUMENTED),
        DATES,
        DATES,
    ),
    st.builds(
        lambda m, p, r: {**m, "id": ID, "supported_parameters": p, "reasoning": r},
        shaped_like(DOCUMENTED),
        st.one_of(st.lists(st.one_of(st.text(max_size=300), json_values(2)), max_size=150), json_values(4)),
        st.one_of(shaped_like(DOCUMENTED["reasoning"]), json_values(4)),
    ),
)
LISTS = st.one_of(
    st.lists(MODEL, max_size=4).map(lambda models: json.dumps({"data": models})),
    st.lists(st.text(min_size=1, max_size=5000), min_size=1, max_size=3).map(
        lambda names: json.dumps({"data": [{**DOCUMENTED, "id": ID, "name": names, "supported_parameters": names}]})
    ),
    HOSTILE_JSON.map(lambda text: '{"data": [' + text + "]}"),
)


def answering(body: str) -> Any:
    def handler(request: Request) -> Response:
        if request.path.endswith("/models"):
            return Response(body, content_type="application/json")
        return Response(sse("hi"), content_type="text/event-stream")

    return handler


@EXPLORE
@given(body=LISTS, then=st.sampled_from(["show", "stream"]))
def test_any_models_list(scripted: Scripted, explore_home: Path, body: str, then: str) -> None:
    scripted.answer(answering(body))
    env = scripted.env(explore_home)
    assert_clean(sacli(["models", "--refresh", "--json"], env), codes={0, 5})  # and keeps what it can
    if then == "show":
        assert_clean(sacli(["models", "show", ID], env), codes={0, 2, 5})
        return
    asked = scripted.requests
    streamed = sacli(["stream", "--retries", "0", "-m", ID, "hi"], env)
    assert_clean(streamed, codes={0})
    assert scripted.requests == asked + 1  # the chat request alone: the warning asked for nothing
    warned = streamed.stderr.splitlines()
    assert all(line.startswith(b"sacli: warning: " + ID.encode()) for line in warned), streamed.stderr
