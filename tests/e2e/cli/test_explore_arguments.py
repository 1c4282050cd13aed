"""Arbitrary bytes for every option that takes a value, every positional argument, every environment
variable sacli reads, every attachment and standard input, through the installed sacli: each run
ends in its documented exit code, never 1, with no traceback and bounded memory.

The options come from sacli's own table of them (sacli.settings.declared), so an option added there
is explored here without a word more; the options of one command alone are listed below."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from werkzeug import Request, Response

from sacli.settings.declared import OPTIONS, SETTINGS
from tests.support.explore import EXPLORE, Scripted, assert_clean, sacli
from tests.support.helpers import SACLI, sse

# Values that have broken readers of numbers, text, URLs, headers and paths, then any bytes and text.
EDGES = [
    b"", b"0", b"-1", b"nan", b"NaN", b"inf", b"-inf", b"1e300", b"1e-300", b"9" * 401, b"0x10", b"1_0", b" 1 ",
    "\uff11".encode(), b"-", b"--", b"true", b"caf\xe9", "caf\u00e9".encode(), b"\x1b]0;t\x07\x1b[2J", b"a" * 5000,
    b"http://", b"http://127.0.0.1:99999/v1", b"ftp://x", b"X-A: caf\xc3\xa9", b"X-A:", b": v", b"x=NaN",
    b"x=" + b"[" * 3000, b"/dev/zero", b"/dev/urandom", b"/", b"/nonexistent/x", b"@/dev/zero", b"@/",
    b'{"$ref": "http://127.0.0.1:1/x"}', b"[" * 3000 + b"]" * 3000, b"0001-01-01T00:00:00Z", b"1/0", b"0/0",
    b"99999999999999999999d", b"-3d", b"\xff\xfe",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(EDGES),
    st.binary(max_size=30).filter(lambda value: b"\0" not in value),
    st.text(st.characters(exclude_characters="\0", exclude_categories=("Cs",)), max_size=30).map(str.encode),
)


def _stream_flags() -> set[str]:
    shown = subprocess.run([SACLI, "stream", "--help"], capture_output=True, text=True, check=True).stdout
    return {word.rstrip(",") for word in shown.split() if word.startswith("--")}


TAKES_A_VALUE = ("url", "text", "number", "whole", "choice", "headers", "list", "file", "files")
DECLARED = {**SETTINGS, **OPTIONS}
STREAM_FLAGS = _stream_flags()
BY_KIND = {
    kind: sorted(s.flags[0] for s in DECLARED.values() if s.kind == kind and s.flags[0] in STREAM_FLAGS)
    for kind in TAKES_A_VALUE
}
# The options of one command alone: (the command's words, the option).
OF_ONE_COMMAND = [
    (["batch"], "--item-timeout"), (["batch"], "--parallel"), (["batch"], "--shard"), (["batch"], "--summary"),
    (["batch"], "--max-cost-item"), (["batch"], "--resume"), (["logs"], "--limit"), (["logs"], "--since"),
    (["logs"], "--until"), (["logs"], "--search"), (["logs", "prune", "--yes"], "--older-than"),
    (["usage"], "--since"), (["usage"], "--until"), (["usage"], "--by"), (["sessions", "list"], "--limit"),
    (["sessions", "create"], "--title"), (["sessions", "create"], "--id"), (["facts", "list"], "--limit"),
    (["facts", "list"], "--category"), (["facts", "search", "q"], "--top-k"), (["facts", "search", "q"], "--threshold"),
    (["facts", "add", "x"], "--category"), (["files", "list"], "--status"), (["files", "list"], "--tag"),
    (["files", "update", "f1"], "--metadata"), (["files", "update", "f1"], "--tag"),
    (["upload", "a.txt"], "--name"), (["upload", "a.txt"], "--metadata"), (["upload", "a.txt"], "--category"),
    (["memory", "timeline"], "--days"), (["memory", "access"], "--limit"),
]  # fmt: skip
# Where a positional argument goes: the words before it, then after it.
ARGUMENTS = [
    (["stream"], []), (["chat"], []), (["stream", "-a"], ["hi"]), (["logs", "show"], []), (["models", "show"], []),
    (["models"], []), (["sessions", "show"], []), (["sessions", "delete", "--yes"], []),
    (["sessions", "rename", "s1"], []), (["facts", "delete", "--yes"], []), (["facts", "update", "f1"], []),
    (["facts", "search"], []), (["files", "delete", "--yes"], []), (["files", "update"], ["--category", "c"]),
    (["upload"], []), (["examples", "path"], []), (["schema"], []), (["summary"], []), (["batch"], []),
    (["config", "show", "--profile"], []), (["usage", "--by", "model", "--model"], []), (["logs", "--session"], []),
]  # fmt: skip
ENVIRONMENT = sorted(
    {s.env for s in DECLARED.values() if s.env}
    | {"SACLI_CONFIG", "SACLI_POLL_INTERVAL", "NO_COLOR", "TERM", "COLUMNS", "LINES", "TZ", "VISUAL", "EDITOR"}
    | {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "HOME"}
)


def answering(request: Request) -> Response:
    if request.path.endswith("/chat/completions"):
        return Response(sse("ok"), content_type="text/event-stream")
    if request.path.endswith("/rag/upload"):
        return Response('{"fileId": "f1", "filename": "a.txt", "status": "processed"}', content_type="application/json")
    return Response('{"success": true, "data": []}', content_type="application/json")


@pytest.fixture
def place(scripted: Scripted, explore_home: Path) -> Path:
    """A directory of these tests' own to run in: the files an option names (--record x, --summary x)
    are made there, and a.txt is there to upload."""
    scripted.answer(answering)
    cwd = explore_home / "arguments"
    cwd.mkdir(exist_ok=True)
    (cwd / "a.txt").write_text("hello\n")
    return cwd


def run_in(place: Path, scripted: Scripted, args: list[Any], *, stdin: bytes | None = None, **env: Any) -> None:
    environment: dict[Any, Any] = {**scripted.env(place.parent), "SACLI_LOG_DB": str(place / "log.db")}
    environment = {key.encode(): value.encode() for key, value in environment.items()}
    environment.update({key.encode(): value for key, value in env.items()})
    if args[0] == "batch" and stdin is None:
        stdin = b'{"id": "a", "prompt": "x"}\n'
    assert_clean(sacli(args, environment, stdin=stdin, cwd=place, timeout=90))


@EXPLORE
@pytest.mark.parametrize("kind", [kind for kind in TAKES_A_VALUE if BY_KIND[kind]])
@given(data=st.data(), value=VALUES)
def test_any_value_of_any_option(place: Path, scripted: Scripted, kind: str, data: st.DataObject, value: bytes) -> None:
    flag = data.draw(st.sampled_from(BY_KIND[kind]))
    run_in(place, scripted, ["stream", "--retries", "0", flag, value, "hi"])


@EXPLORE
@given(chosen=st.sampled_from(OF_ONE_COMMAND), value=VALUES)
def test_any_value_of_the_options_of_one_command(
    place: Path, scripted: Scripted, chosen: tuple[list[str], str], value: bytes
) -> None:
    words, flag = chosen
    run_in(place, scripted, [*words, flag, value])


@EXPLORE
@given(where=st.sampled_from(ARGUMENTS), value=VALUES)
def test_any_positional_argument(
    place: Path, scripted: Scripted, where: tuple[list[str], list[str]], value: bytes
) -> None:
    before, after = where
    # An input that never ends is a batch that never ends, as with any filter (its lines are each
    # answered, in bounded memory: tests/e2e/batch/test_batch_bounds.py).
    assume(not (before == ["batch"] and value == b"/dev/urandom"))
    run_in(place, scripted, [*before, value, *after])


@EXPLORE
@given(name=st.sampled_from(ENVIRONMENT), value=VALUES, command=st.sampled_from([["stream", "hi"], ["config", "show"]]))
def test_any_environment_variable(place: Path, scripted: Scripted, name: str, value: bytes, command: list[str]) -> None:
    run_in(place, scripted, command, **{name: value})


MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"\xef\xbb\xbf"]
EXTENSIONS = ["", ".png", ".PNG", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".txt", ".md", ".json", ".csv", ".bin"]


@EXPLORE
@given(
    magic=st.sampled_from(MAGIC),
    body=st.binary(max_size=2000),
    stem=st.binary(min_size=1, max_size=20).filter(lambda name: b"\0" not in name and b"/" not in name),
    extension=st.sampled_from(EXTENSIONS),
    prompt=st.booleans(),
)
def test_any_attachment(
    place: Path, scripted: Scripted, magic: bytes, body: bytes, stem: bytes, extension: str, prompt: bool
) -> None:
    folder = place / "attached"
    folder.mkdir(exist_ok=True)
    path = os.path.join(os.fsencode(folder), stem + extension.encode())
    if os.path.basename(path) in (b".", b".."):
        return
    with open(path, "wb") as file:
        file.write(magic + body)
    try:
        run_in(place, scripted, ["stream", "--retries", "0", "-a", path, *(["what is it?"] if prompt else [])])
    finally:
        os.unlink(path)


@EXPLORE
@given(
    data=st.one_of(st.binary(max_size=400), st.sampled_from([b"\xff" * 10, b"\0" * 10, b"[" * 5000, b"\r\n" * 50])),
    command=st.sampled_from([["stream"], ["stream", "hi"], ["chat"], ["chat", "--json", "hi"], ["batch"], ["summary"]]),
)
def test_any_bytes_on_standard_input(place: Path, scripted: Scripted, data: bytes, command: list[str]) -> None:
    run_in(place, scripted, command, stdin=data)


@EXPLORE
@given(items=st.lists(st.text(max_size=30).filter(lambda text: "\0" not in text), min_size=1, max_size=4))
def test_any_provider_argument(scripted: Scripted, explore_home: Any, items: list[str]) -> None:
    scripted.answer(lambda request: Response(sse("ok"), content_type="text/event-stream"))
    args = [part for item in items for part in ("--provider", item)]
    assert_clean(sacli(["stream", "--retries", "0", *args, "hi"], scripted.env(explore_home)), codes={0, 2})
