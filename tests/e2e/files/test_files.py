"""sacli files list and sacli files delete end to end, against a local server."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.term.timefmt import human_time
from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, read_terminal_until_closed, run

FILES = "/api/rag/files"

RECORDS = [
    {
        "fileId": "file_abc123",
        "filename": "privacy-policy.pdf",
        "size": 245678,
        "chunks": 12,
        "status": "processed",
        "uploadedAt": "2025-11-16T10:30:00Z",
        "metadata": {"category": "legal", "tags": ["privacy", "gdpr"]},
    },
    {
        "fileId": "file_def456",
        "filename": "notes\twith tab.md",
        "size": 89012,
        "chunks": 8,
        "status": "processing",
        "uploadedAt": "2025-11-16T11:00:00Z",
    },
]
DOCUMENTED = {"files": RECORDS, "totalFiles": 2, "totalSize": 334690, "totalChunks": 20}
TSV = (
    b"file_abc123\tprivacy-policy.pdf\tprocessed\t245678\t2025-11-16T10:30:00Z\n"
    b"file_def456\tnotes with tab.md\tprocessing\t89012\t2025-11-16T11:00:00Z\n"
)


def test_list_writes_tsv_off_a_terminal(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(FILES, method="GET").respond_with_json(DOCUMENTED)
    result = run("files", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TSV
    assert result.stderr == b""
    request, _ = httpserver.log[0]
    assert request.query_string == b""
    assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"
    assert request.headers["superAgentKey"] == SUPER_AGENT_KEY


def test_list_sends_the_filters(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(FILES).respond_with_json({"files": []})
    result = run(
        "files", "list", "--category", "legal", "--tag", "a", "--tag", "b c", "--status", "processed", env=api_env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    request, _ = httpserver.log[0]
    assert request.args.to_dict(flat=False) == {"category": ["legal"], "tags": ["a", "b c"], "status": ["processed"]}


@pytest.mark.parametrize(
    "payload",
    [
        {"data": RECORDS},
        {"success": True, "data": {"files": RECORDS, "totalFiles": 2}},
        RECORDS,
        {"files": [{"id": r["fileId"], "name": r["filename"], **{k: r[k] for k in ("status", "size")},
                    "createdAt": r["uploadedAt"]} for r in RECORDS]},
    ],
    ids=["data", "success-data-files", "bare-list", "other-spellings"],
)  # fmt: skip
def test_list_reads_other_envelopes(httpserver: HTTPServer, api_env: dict[str, str], payload: object) -> None:
    httpserver.expect_request(FILES).respond_with_json(payload)
    result = run("files", "list", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TSV


def test_list_json_writes_each_file_as_sent(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(FILES).respond_with_json(DOCUMENTED)
    result = run("files", "list", "--json", env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == RECORDS  # one array, as every listing writes


def test_list_that_is_not_a_list_is_an_api_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(FILES).respond_with_json({"files": "nope"})
    result = run("files", "list", env=api_env)
    assert result.returncode == 5
    assert result.stderr == b"sacli: error: the file list from /api/rag/files is not a list of files\n"


def test_list_on_a_terminal_is_a_table(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    import pty

    evil = {"fileId": "file_x", "filename": "red\x1b[31m.txt", "status": "processed", "size": 5}
    httpserver.expect_request(FILES).respond_with_json({"files": [*RECORDS, evil]})
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [SACLI, "files", "list"], stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE,
        env={**api_env, "NO_COLOR": "1", "COLUMNS": "120"},
    )  # fmt: skip
    os.close(terminal)
    shown = read_terminal_until_closed(controller).decode()
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "\x1b[3" not in shown  # NO_COLOR: no colours
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)  # bold headings stay
    assert "\\e[1m" not in plain  # rich's own styling is not shown escaped
    lines = plain.splitlines()
    header = next(line for line in lines if "ID" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == ["ID", "File name", "Status", "Size", "Uploaded"]
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if "file_" in line]
    assert rows == [
        ["file_abc123", "privacy-policy.pdf", "processed", "245.7 kB", human_time("2025-11-16T10:30:00Z")],
        ["file_def456", "notes with tab.md", "processing", "89.0 kB", human_time("2025-11-16T11:00:00Z")],
        ["file_x", "red\\e[31m.txt", "processed", "5 bytes", ""],  # a name cannot colour the terminal
    ]


# -- delete -----------------------------------------------------------------------------------


def test_delete_with_yes_deletes_each_id(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_ordered_request(f"{FILES}/file_1", method="DELETE").respond_with_json({"success": True})
    httpserver.expect_ordered_request(f"{FILES}/file/2", method="DELETE").respond_with_data("", status=204)
    result = run("files", "delete", "--yes", "file_1", "file/2", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"file_1\nfile/2\n"
    assert result.stderr == b""
    assert [r.headers["superAgentKey"] for r, _ in httpserver.log] == [SUPER_AGENT_KEY] * 2
    assert httpserver.log[1][0].environ["RAW_URI"] == f"{FILES}/file%2F2"  # one path segment


@pytest.mark.parametrize("status", [404, 405])
def test_delete_falls_back_to_the_query_form(httpserver: HTTPServer, api_env: dict[str, str], status: int) -> None:
    httpserver.expect_ordered_request(f"{FILES}/file_1", method="DELETE").respond_with_json(
        {"error": "not here"}, status=status
    )
    httpserver.expect_ordered_request(FILES, method="DELETE", query_string="fileId=file_1").respond_with_json(
        {"success": True}
    )
    result = run("files", "delete", "-y", "file_1", env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"file_1\n"
    assert len(httpserver.log) == 2


def test_delete_goes_past_a_missing_file_then_names_it_and_exits_5(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    def handler(request: Request) -> Response:
        if request.path.endswith(("/file_1", "/file_3")):
            return Response("", status=204)
        return Response(json.dumps({"success": False, "error": "File not found"}), status=404)

    httpserver.expect_request(FILES, method="DELETE").respond_with_handler(handler)
    for file_id in ("file_1", "nope", "file_3"):
        httpserver.expect_request(f"{FILES}/{file_id}", method="DELETE").respond_with_handler(handler)
    result = run("files", "delete", "--yes", "file_1", "nope", "file_3", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b"file_1\nfile_3\n"
    assert result.stderr.decode() == "sacli: error: file nope not found (HTTP 404) (see 'sacli files list')\n"
    assert [(r.path, r.args.get("fileId")) for r, _ in httpserver.log] == [
        (f"{FILES}/file_1", None),
        (f"{FILES}/nope", None),
        (FILES, "nope"),
        (f"{FILES}/file_3", None),
    ]


def test_delete_stops_at_an_error_that_is_not_a_missing_file_and_says_what_was_deleted(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{FILES}/file_1", method="DELETE").respond_with_data("", status=204)
    httpserver.expect_request(f"{FILES}/file_2", method="DELETE").respond_with_json({"error": "disk"}, status=500)
    result = run("files", "delete", "--yes", "--retries", "0", "file_1", "file_2", "file_3", env=api_env)
    assert result.returncode == 5
    assert result.stdout == b"file_1\n"
    assert result.stderr.decode().splitlines() == [
        "sacli: deleted: file_1",
        "sacli: failed: file_2",
        "sacli: not deleted: file_3",
        "sacli: error: deleting file_2: HTTP 500 INTERNAL SERVER ERROR: disk",
    ]


def test_delete_without_yes_off_a_terminal_sends_nothing(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("files", "delete", "file_1", env=api_env)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == (
        b"sacli: error: refusing to delete without confirmation: no terminal to ask on (pass --yes)\n"
    )
    assert httpserver.log == []


def test_files_need_the_super_agent_key(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    del api_env["SUPER_AGENT_KEY"]
    for args in (["files", "list"], ["files", "delete", "--yes", "x"]):
        result = run(*args, env=api_env)
        assert result.returncode == 3
        assert result.stderr.startswith(b"sacli: error: no Super Agent key configured")
    assert httpserver.log == []


def test_delete_reports_the_first_forms_404_when_the_fallback_is_refused(
    httpserver: HTTPServer, api_env: dict[str, str]
) -> None:
    httpserver.expect_request(f"{FILES}/file_gone", method="DELETE").respond_with_json(
        {"error": "File not found"}, status=404
    )
    httpserver.expect_request(FILES, method="DELETE").respond_with_data("", status=405)
    result = run("files", "delete", "--yes", "file_gone", env=api_env)
    assert result.returncode == 5
    assert len(httpserver.log) == 2
    assert result.stderr.decode() == "sacli: error: file file_gone not found (HTTP 404) (see 'sacli files list')\n"


def test_delete_sends_each_id_once(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    httpserver.expect_request(f"{FILES}/file_a", method="DELETE").respond_with_json({"success": True})
    result = run("files", "delete", "--yes", "file_a", "file_a", env=api_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"file_a\n", b"")
    assert len(httpserver.log) == 1
