"""sacli models' table as a person sees it, on a pseudo-terminal of 80 or 50 columns drawn by a VT
emulator (tests/support/screen.py)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.screen import WIDTHS, after_table, show, table

MODELS = "/api/v1/models"
LONG = "some-lab/an-experimental-model-whose-id-is-wider-than-fifty-columns"


def model(model_id: str, context: int, prompt: str, completion: str) -> dict:
    return {"id": model_id, "context_length": context, "pricing": {"prompt": prompt, "completion": completion}}


LIST = [
    model("openai/gpt-4o-mini", 128000, "0.00000015", "0.0000006"),
    model("meta-llama/llama-3.3-70b-instruct", 131072, "0", "0"),
]


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_columns_are_whole_and_those_that_do_not_fit_are_named(
    columns: int, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(MODELS, method="GET").respond_with_json({"data": LIST})
    lines = show("models", env={**api_env, "TERM": "xterm-256color"}, columns=columns).scrollback
    assert all(len(line) <= columns for line in lines)
    rows = table(lines)
    if columns == 80:
        assert rows == [
            ["ID", "Context", "Prompt $/M", "Completion $/M"],
            ["openai/gpt-4o-mini", "128000", "0.15", "0.6"],
            ["meta-llama/llama-3.3-70b-instruct", "131072", "0", "0"],
        ]
        assert not after_table(lines, columns)
    else:
        assert rows == [
            ["ID", "Context"],
            ["openai/gpt-4o-mini", "128000"],
            ["meta-llama/llama-3.3-70b-instruct", "131072"],
        ]
        assert after_table(lines, columns) == "sacli: Prompt $/M, Completion $/M left out: the terminal is too narrow"


def test_an_id_wider_than_the_terminal_is_folded_whole(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(MODELS, method="GET").respond_with_json({"data": [model(LONG, 8000, "0", "0")]})
    lines = show("models", env={**api_env, "TERM": "xterm-256color"}, columns=50).scrollback
    assert all(len(line) <= 50 for line in lines)
    _, *rows = table(lines)
    assert "".join(row[0] for row in rows) == LONG  # every character of it, over two lines
