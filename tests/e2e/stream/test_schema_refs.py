"""A --schema stays local: its references resolve inside it or the schema is refused before any request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import run, sse

CHAT = "/api/v1/chat/completions"


def test_a_local_reference_is_followed(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    schema = {"type": "object", "properties": {"n": {"$ref": "#/$defs/count"}}, "$defs": {"count": {"type": "integer"}}}
    httpserver.expect_request(CHAT).respond_with_data(sse('{"n": "many"}'), content_type="text/event-stream")
    result = run("stream", "--schema", json.dumps(schema), "count", env=api_env)
    assert result.returncode == ExitCode.SCHEMA
    assert result.stderr.decode().splitlines()[-1].startswith("sacli: error: the reply does not match --schema: at $.n")


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("#/$defs/missing", "does not resolve inside the schema"),
        ("other.json#/defs/x", "points outside the schema"),
        ("SCHEMA_URL", "points outside the schema"),
    ],
)
def test_a_reference_outside_the_schema_is_refused_and_nothing_is_fetched_or_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, ref: str, why: str
) -> None:
    ref = ref.replace("SCHEMA_URL", httpserver.url_for("/schema.json"))
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"a": {"$ref": ref}}}))
    result = run("stream", "--schema", f"@{schema}", "hi", env=api_env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode() == (
        f"sacli: error: --schema: $ref {ref!r} {why} (a schema's references stay inside it)\n"
    )
    assert httpserver.log == []  # neither the schema's URL nor the chat
