"""Every shell example of the README runs, as written, against a local server.

Blocks marked ```` ```sh tested ```` run in ``bash -e -o pipefail``; a ```` ```yaml tested ````
block is a CI step whose ``run: |`` script runs the same way. Each runs in a fresh directory
with a few input files and a git change, the installed sacli first on PATH, both keys set and
``SACLI_BASE_URL`` pointing at pytest-httpserver, which answers every chat request with a
canned reply (a stream or a completion, as asked) and the Memory and RAG endpoints with canned
JSON. A block must exit 0 without an error message; when it chats, the reply must reach stdout
or a file whole, and ``# model: ID`` comments must name the model each request asked for.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sacli.cli.docgen import README
from sacli.cli.docgen.readme import FencedBlock, iter_fenced_blocks
from tests.support.helpers import SACLI, chunk, completion, event, require_tool
from tests.support.schemas import events_of

CHAT = "/api/v1/chat/completions"
SHELLS = {"sh", "bash", "shell", "console", "zsh", "fish"}
# The reply is split across chunks (so `jq -r` instead of `jq -j` would show), and it is
# longer than a pipe holds, so `| head -n 3` always ends sacli by SIGPIPE (exit 141).
REPLY_LINES = [f"Canned reply line {n}." for n in range(1, 4001)]
PIECES = ["Canned reply ", "line 1.\n", *(line + "\n" for line in REPLY_LINES[1:40])]
PIECES += ["".join(line + "\n" for line in REPLY_LINES[n : n + 500]) for n in range(40, len(REPLY_LINES), 500)]
MARK = REPLY_LINES[0]
REASONING = "Thinking it over. "

BLOCKS = list(iter_fenced_blocks(README.read_text()))
TESTED = [b for b in BLOCKS if b.tested]


def script_of(block: FencedBlock) -> str:
    if block.language != "yaml":
        return block.code
    match = re.search(r"^([ ]*)run: \|\n((?:\1[ ]+.*\n|[ ]*\n)+)", block.code, re.MULTILINE)
    assert match, f"README line {block.line}: a tested yaml block needs a `run: |` script"
    return textwrap.dedent(match.group(2))


def answer(request: Request) -> Response:
    """The canned reply, in the shape the request asks for (a schema, tools, reasoning, usage accounting)."""
    body = request.get_json()
    if not body.get("stream"):
        return Response(json.dumps(completion("".join(PIECES))), content_type="application/json")
    deltas: list[dict] = []
    if body.get("reasoning"):
        deltas.append({"content": "", "reasoning": REASONING})
    finish = "stop"
    if "response_format" in body:
        deltas += [{"content": '{"answer": "'}, {"content": MARK}, {"content": '"}'}]
    elif body.get("tools") and body["messages"][-1]["role"] != "tool":
        name = body["tools"][0]["function"]["name"]
        deltas += [
            {
                "tool_calls": [
                    {"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}
                ]
            },
            {"tool_calls": [{"index": 0, "function": {"arguments": json.dumps({"city": MARK})}}]},
        ]
        finish = "tool_calls"
    else:
        deltas += [{"content": piece} for piece in PIECES]
    usage = {"prompt_tokens": 20, "completion_tokens": 100, "total_tokens": 120}
    if body.get("usage", {}).get("include"):
        usage.update(prompt_tokens_details={"cached_tokens": 3}, cost=0.00042)
    chunks = [event({**chunk(), "choices": [{"index": 0, "delta": d, "finish_reason": None}]}) for d in deltas]
    chunks.append(event(chunk("", finish=finish)))
    chunks.append(event({**chunk(), "choices": [], "usage": usage}))
    return Response(b"".join(chunks) + b"data: [DONE]\n\n", content_type="text/event-stream")


# Canned Memory and RAG answers in the shapes of the API reference, for examples of the
# commands that use them. The IDs are the ones the README's examples use.
SESSION_ID = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"
SESSION = {"id": SESSION_ID, "title": "Release notes", "createdAt": "2025-01-15T10:30:00Z", "messageCount": 4}
FACT = {"id": "fact_123", "content": "Prefers short answers", "category": "preference", "importance": 0.8}
FILE = {
    "fileId": "file_abc123",
    "filename": "notes.txt",
    "size": 52,
    "chunks": 1,
    "status": "processed",
    "uploadedAt": "2025-11-16T10:30:00Z",
    "metadata": {"category": "docs", "tags": ["notes"]},
}
MODELS = [
    {
        "id": model_id,
        "name": name,
        "context_length": context,
        "pricing": {"prompt": prompt, "completion": completion},
        "supported_parameters": ["temperature", "top_p", "max_tokens", "tools", "reasoning"],
        "knowledge_cutoff": "2025-03-01" if model_id.startswith("anthropic/") else None,
        "expiration_date": expires,
    }
    for model_id, name, context, prompt, completion, expires in [
        ("openrouter/auto", "Auto Router", 2000000, "-1", "-1", None),
        (
            "anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", 200000, "0.000003", "0.000015",
            (datetime.date.today() + datetime.timedelta(days=12)).isoformat(),
        ),
        ("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", 128000, "0.00000015", "0.0000006", None),
    ]
]  # fmt: skip
MODELS[1]["reasoning"] = {"default_effort": "medium", "mandatory": False, "supported_efforts": ["high", "low"]}
MEMORY_STATS = {
    "totalCount": 156,
    "byCategory": {"preference": 42, "personal": 28, "work": 35, "other": 51},
    "byLevel": {"user": 120, "session": 36},
    "bySource": {"api": 45, "explicit_command": 67, "auto_detected": 44},
    "recentActivity": {"last24h": 12, "last7d": 45, "last30d": 89},
}
MEMORY_STORAGE = {
    "usedBytes": 524288, "usedFormatted": "512 KB", "limitBytes": 104857600, "limitFormatted": "100 MB",
    "percentUsed": 0.5, "factCount": 156, "avgFactSize": 3361,
}  # fmt: skip
ACCESSED = {
    "id": "fact_123",
    "content": "Prefers short answers",
    "accessCount": 47,
    "lastAccessedAt": "2024-01-15T10:30:00Z",
}
ANY_ID = "[^/]+"
MEMORY_AND_RAG = [
    ("/api/v1/memory/sessions", "GET", {"data": [SESSION]}),
    ("/api/v1/memory/sessions", "POST", {"data": SESSION}),
    (f"/api/v1/memory/sessions/{ANY_ID}", "GET", {"data": {**SESSION, "messages": []}}),
    (f"/api/v1/memory/sessions/{ANY_ID}", "PATCH", {"data": SESSION}),
    (f"/api/v1/memory/sessions/{ANY_ID}", "PUT", {"data": SESSION}),
    (f"/api/v1/memory/sessions/{ANY_ID}", "DELETE", {"success": True}),
    ("/api/v1/models", "GET", {"data": MODELS}),
    ("/api/v1/key", "GET", {"data": {"label": "sk-or-v1-...", "limit": 50, "limit_remaining": 49.5, "usage": 0.5}}),
    ("/api/memory/facts", "GET", {"success": True, "data": [FACT]}),
    ("/api/memory/facts", "POST", {"success": True, "data": FACT}),
    ("/api/memory/facts/search", "POST", {"success": True, "data": [FACT]}),
    (f"/api/memory/facts/{ANY_ID}", "PUT", {"success": True, "data": FACT}),
    (f"/api/memory/facts/{ANY_ID}", "DELETE", {"success": True}),
    ("/api/dashboard/memory/stats", "GET", {"success": True, "data": MEMORY_STATS}),
    ("/api/dashboard/memory/timeline", "GET", {"success": True, "data": [{"date": "2024-01-15", "count": 8}]}),
    ("/api/dashboard/memory/storage", "GET", {"success": True, "data": MEMORY_STORAGE}),
    ("/api/dashboard/memory/access-patterns", "GET", {"success": True, "data": [ACCESSED]}),
    ("/api/rag/upload", "POST", {"success": True, **FILE, "status": "processing"}),
    ("/api/rag/files", "GET", {"files": [FILE], "totalFiles": 1, "totalSize": 52, "totalChunks": 1}),
    (f"/api/rag/files/{ANY_ID}", "DELETE", {"success": True}),
    (f"/api/rag/files/{ANY_ID}", "PATCH", {"success": True, "data": FILE}),
]


def serve(httpserver: HTTPServer) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(answer)
    for path, method, body in MEMORY_AND_RAG:
        httpserver.expect_request(re.compile(f"^{path}$"), method=method).respond_with_json(body)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("Meeting notes: we shiped the relase on Tuesday.\n")
    (work / "policy.pdf").write_bytes(b"%PDF-1.4\n% refund policy\n")
    (work / "faq.md").write_text("# FAQ\n\nRefunds take 5 days.\n")
    (work / "guide.md").write_text("# Guide\n")
    (work / "docs").mkdir()
    (work / "docs" / "intro.md").write_text("# Intro\n")
    (work / "report.txt").write_text("Q3 revenue grew 4%; costs were flat.\n")
    (work / "build.log").write_text("compiling...\nerror: missing semicolon at main.c:3\n")
    (work / "test.log").write_text("FAILED tests/test_x.py::test_y - AssertionError\n")
    git = require_tool("git")  # the Quick start pipes `git diff`
    require_tool("jq")  # the JSON examples pipe into jq
    quiet = {"cwd": work, "check": True, "capture_output": True, "timeout": 30}
    subprocess.run([git, "init", "-q"], **quiet)
    subprocess.run([git, "add", "notes.txt"], **quiet)
    (work / "notes.txt").write_text("Meeting notes: we shipped the release on Tuesday.\n")
    return work


def test_every_shell_block_is_tested_or_says_why_not() -> None:
    unmarked = [
        f"README line {b.line} ({b.heading})"
        for b in BLOCKS
        if b.language in SHELLS and not b.tested and not b.comment.startswith("<!-- untested:")
    ]
    assert not unmarked, (
        "shell examples must be run by tests/e2e/cli/test_readme_examples.py: mark each as ```sh tested, "
        "or give the reason on the line before it as <!-- untested: reason -->: " + ", ".join(unmarked)
    )


def test_the_readme_has_tested_examples_for_every_recipe() -> None:
    headings = {b.heading for b in TESTED}
    assert {"Quick start", "sacli stream", "Piping files in", "Capturing output", "JSON and jq"} <= headings
    assert {"Retrying on temporary failures", "A CI job step", "Pipelines: `set -o pipefail` and exit 141"} <= headings
    assert {
        "JSON that is sure to parse: `--schema`",
        "Reasoning kept apart",
        "Tool calls a script can run",
        "Images, PDFs and files: `--attach`",
        "What a run cost",
        "Testing your scripts offline",
        "Events for programs: `--events`",
    } <= headings
    assert {
        f"sacli {name}" for name in ("batch", "sessions", "upload", "files", "facts", "memory", "models")
    } <= headings


@pytest.mark.parametrize("block", TESTED, ids=[f"line{b.line}-{b.heading}" for b in TESTED])
def test_example_runs(
    block: FencedBlock, workdir: Path, httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    serve(httpserver)
    inputs = {p.name: p.read_bytes() for p in workdir.iterdir() if p.is_file()}
    script = tmp_path / "example.sh"
    script.write_text(script_of(block))
    env = {
        **api_env,
        "PATH": os.pathsep.join([str(Path(SACLI).parent), api_env["PATH"]]),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
        "TMPDIR": str(tmp_path),  # for examples that use mktemp
    }
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-e", "-o", "pipefail", str(script)],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    where = f"README line {block.line} ({block.heading})"
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 0, f"{where} failed with exit {result.returncode}:\n{stderr}"
    assert "sacli: error" not in stderr, f"{where}: {stderr}"
    assert httpserver.log, f"{where} sent no request"
    if not any(request.path == CHAT for request, _ in httpserver.log):
        return
    # The answer went where the example sends it: to stdout, or into a file.
    outputs = [result.stdout.decode(errors="replace")]
    outputs += [p.read_text(errors="replace") for p in workdir.iterdir() if p.is_file() and p.name not in inputs]
    outputs += [Path(env["GITHUB_STEP_SUMMARY"]).read_text()] if Path(env["GITHUB_STEP_SUMMARY"]).exists() else []
    assert any(MARK in text for text in outputs), f"{where}: the reply reached neither stdout nor a file"
    # ... and whole: no line of it cut where the stream's chunks meet (as `jq -r` would).
    pieced = re.compile(r".{0,40}Canned reply(?! line \d+\.).{0,40}", re.DOTALL)
    texts = [text for text in outputs if not text.startswith('{"v":1,')]  # --events: the answer comes in pieces
    for text in outputs:
        if text.startswith('{"v":1,'):  # each event valid, one end, last: the run succeeded (no error above)
            events_of(text.encode(), 0)
    broken = [m for text in texts if (m := pieced.search(text))]
    assert not broken, f"{where}: the reply arrived in pieces: ...{broken[0].group()!r}..."
    # Reasoning the example keeps apart stays apart: in its own file, never in the answer.
    written = {p.name: p.read_text(errors="replace") for p in workdir.iterdir() if p.is_file() and p.name not in inputs}
    if "reasoning.txt" in written:
        assert REASONING in written["reasoning.txt"], f"{where}: no reasoning in reasoning.txt"
        assert not [name for name, text in written.items() if name != "reasoning.txt" and REASONING in text], where
    # Where the comments say which model a request asks for (`# model: ID`), it does.
    if claimed := re.findall(r"#\s*model:\s*(\S+)", block.code):
        assert [request.get_json()["model"] for request, _ in httpserver.log if request.path == CHAT] == claimed, where
