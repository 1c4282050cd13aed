"""sacli files update end to end: PATCH /api/rag/files/{fileId} with the new metadata ([Assumption]
in the reference, 8.5), PUT when the server answers 405, and each way it can fail."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from sacli.exitcodes import ExitCode
from tests.support.helpers import SUPER_AGENT_KEY, run

FILES = "/api/rag/files"
# The reference's file object (8.2), with the metadata the update gave it.
UPDATED = {
    "fileId": "file_abc123",
    "filename": "privacy-policy.pdf",
    "size": 245678,
    "chunks": 12,
    "status": "processed",
    "uploadedAt": "2025-11-16T10:30:00Z",
    "metadata": {"category": "policies", "tags": ["privacy", "gdpr"]},
}
TSV = b"file_abc123\tprivacy-policy.pdf\tprocessed\t245678\t2025-11-16T10:30:00Z\n"


def sent(httpserver: HTTPServer) -> list[tuple[str, str, object]]:
    return [(r.method, r.environ["RAW_URI"], json.loads(r.get_data() or b"null")) for r, _ in httpserver.log]


def test_patch_sends_the_metadata_built_from_category_and_tags(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{FILES}/file_abc123", method="PATCH").respond_with_json(
        {"success": True, "data": UPDATED}
    )
    result = run(
        "files", "update", "file_abc123", "--category", "policies", "--tag", "privacy", "--tag", "gdpr", env=api_env
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, TSV, b"")
    assert sent(httpserver) == [
        ("PATCH", f"{FILES}/file_abc123", {"metadata": {"category": "policies", "tags": ["privacy", "gdpr"]}})
    ]
    request, _ = httpserver.log[0]
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY


def test_json_is_the_updated_object_and_metadata_is_sent_as_given(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{FILES}/file/1", method="PATCH").respond_with_json({"file": UPDATED})
    given = {"category": "policies", "tags": ["privacy"], "owner": {"team": "legal"}}
    result = run("files", "update", "file/1", "--metadata", json.dumps(given), "--json", env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == UPDATED and result.stdout.count(b"\n") == 1
    assert sent(httpserver) == [("PATCH", f"{FILES}/file%2F1", {"metadata": given})]  # the ID is one path segment


def test_a_server_that_takes_no_patch_is_sent_put(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    path = f"{FILES}/file_abc123"
    httpserver.expect_request(path, method="PATCH").respond_with_json({"error": "Method Not Allowed"}, status=405)
    httpserver.expect_request(path, method="PUT").respond_with_data("", status=204)
    result = run("files", "update", "file_abc123", "--category", "policies", "--json", env=api_env)
    assert result.returncode == 0, result.stderr
    assert [method for method, _, _ in sent(httpserver)] == ["PATCH", "PUT"]
    # No body came back: the object shown is what was sent.
    assert json.loads(result.stdout) == {"fileId": "file_abc123", "metadata": {"category": "policies"}}
    text = run("files", "update", "file_abc123", "--tag", "x", env=api_env)
    assert text.stdout == b"file_abc123\t\t\t\t\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metadata", "{category: x}"], "sacli: error: --metadata is not valid JSON"),
        (["--metadata", '["a"]'], "sacli: error: --metadata must be a JSON object"),
        (["--metadata", "{}", "--tag", "a"], "sacli: error: --metadata gives the whole metadata"),
        ([], "sacli: error: nothing to update: give --category, --tag or --metadata"),
    ],
)
def test_bad_metadata_is_exit_2_with_nothing_sent(
    args: list[str], message: str, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    result = run("files", "update", "file_abc123", *args, env=api_env)
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    assert result.stderr.decode().startswith(message) and result.stderr.count(b"\n") == 1
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (404, ExitCode.API, "sacli: error: file nope not found (HTTP 404) (see 'sacli files list')\n"),
        (401, ExitCode.AUTH, "sacli: error: "),
        (500, ExitCode.API, "sacli: error: HTTP 500"),
    ],
)
def test_errors_have_their_exit_codes(
    status: int, code: int, message: str, httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{FILES}/nope").respond_with_json({"error": "no"}, status=status)
    result = run("files", "update", "nope", "--category", "c", "--retries", "0", env=api_env)
    assert (result.returncode, result.stdout) == (code, b"")
    assert result.stderr.decode().startswith(message) and result.stderr.count(b"\n") == 1
    assert [method for method, _, _ in sent(httpserver)] == ["PATCH"]  # only a 405 is tried again with PUT


def test_no_super_agent_key_sends_nothing(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    env = {k: v for k, v in api_env.items() if k != "SUPER_AGENT_KEY"}
    result = run("files", "update", "file_abc123", "--category", "c", env=env)
    assert result.returncode == ExitCode.AUTH
    assert httpserver.log == []
