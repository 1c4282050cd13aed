"""sacli models show as a person sees it: a two-column table on a pseudo-terminal of 80 or 50
columns drawn by a VT emulator (tests/support/screen.py), long values wrapped whole."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.models.listing import DOCUMENTED, dated, in_days, serve_models
from tests.support.screen import WIDTHS, show, table

PARAMETERS = ["temperature", "top_p", "max_tokens", "frequency_penalty", "presence_penalty", "tools", "tool_choice"]
NEAR = dated("openai/gpt-4", in_days(12), knowledge_cutoff="2024-10-01", supported_parameters=PARAMETERS)


@pytest.mark.parametrize("columns", WIDTHS)
def test_each_field_on_its_row_and_long_values_wrapped(
    columns: int, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    serve_models(httpserver, [NEAR])
    lines = show(
        "models", "show", "openai/gpt-4", env={**api_env, "TERM": "xterm-256color"}, columns=columns
    ).scrollback
    assert all(len(line) <= columns for line in lines)
    rows = table(lines)
    assert rows[0] == ["Field", "Value"]
    fields: dict[str, str] = {}
    last = ""
    for name, value in rows[1:]:  # a wrapped value goes on under an empty name
        last = name or last
        fields[last] = f"{fields[last]} {value}".strip() if last in fields else value
    assert fields == {
        "ID": "openai/gpt-4",
        "Name": "openai/gpt-4",
        "Context": "8192",
        "Prompt $/M": "30",
        "Completion $/M": "60",
        "Parameters": " ".join(PARAMETERS),
        "Reasoning": "efforts high, medium, low; default medium",
        "Knowledge cutoff": "2024-10-01",
        "Expires": f"{in_days(12)} (expires in 12 days)",
    }


def test_what_is_missing_shows_as_a_dash(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    serve_models(httpserver, [{"id": "bare/model"}])
    lines = show("models", "show", "bare/model", env={**api_env, "TERM": "xterm-256color"}, columns=50).scrollback
    assert table(lines)[1:] == [
        ["ID", "bare/model"],
        ["Name", "-"],
        ["Context", "-"],
        ["Prompt $/M", "-"],
        ["Completion $/M", "-"],
        ["Parameters", "-"],
        ["Reasoning", "-"],
        ["Knowledge cutoff", "-"],
        ["Expires", "-"],
    ]


def test_no_colour_codes_with_no_color(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    serve_models(httpserver, [DOCUMENTED])
    screen = show("models", "show", "openai/gpt-4", env={**api_env, "TERM": "xterm-256color", "NO_COLOR": "1"})
    assert b"\x1b[3" not in screen.output and b"\x1b[9" not in screen.output  # no foreground colour
