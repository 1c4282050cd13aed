"""sacli upload end to end: the installed command against a local server."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, read_terminal_until_closed, run
from tests.support.peakmem import run_measured

UPLOAD = "/api/rag/upload"
FILES = "/api/rag/files"
ALL_BYTES = bytes(range(256)) * 3 + b"\r\n--not-a-boundary--\r\n" + bytes(range(255, -1, -1))


def boundary_of(request: Request) -> str:
    content_type = request.headers["Content-Type"]
    match = re.fullmatch(r"multipart/form-data; boundary=([0-9A-Za-z_-]+)", content_type)
    assert match, content_type
    return match.group(1)


def multipart(boundary: str, *, filename: str, content: bytes, content_type: str, metadata: str | None) -> bytes:
    """The body sacli must send, built independently: metadata part (if any), then the file part."""
    body = b""
    if metadata is not None:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'.encode()
            + metadata.encode()
            + b"\r\n"
        )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content
    return body + f"\r\n--{boundary}--\r\n".encode()


class Uploads:
    """A handler for the upload endpoint: file_1, file_2, ... in order, with the given status."""

    def __init__(self, status: str = "processing") -> None:
        self.count = 0
        self.status = status

    def __call__(self, request: Request) -> Response:
        self.count += 1
        upload = request.files["file"]
        body = {"fileId": f"file_{self.count}", "filename": upload.filename, "status": self.status}
        return Response(json.dumps(body), content_type="application/json")


def uploads(httpserver: HTTPServer) -> list[Request]:
    """The upload requests the server received, each parsed again from its recorded body.

    werkzeug closes a request's uploaded files when its reply is sent; a fresh parse of the
    same bytes (with werkzeug's multipart parser, independent of sacli) can be read later.
    """
    parsed = []
    for request, _ in httpserver.log:
        if request.path == UPLOAD:
            again = Request.from_values(
                path=request.path,
                method=request.method,
                data=request.get_data(),
                content_type=request.headers["Content-Type"],
                headers=dict(request.headers),
            )
            again.get_data()  # cached, so that both get_data() and the parsed form work
            parsed.append(again)
    return parsed


def test_body_is_exact_multipart_for_text_and_binary_files(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(Uploads())
    text = tmp_path / "notes.txt"
    text.write_bytes('Grüße, "quoted"\nline two\n'.encode())
    binary = tmp_path / "blob"
    binary.write_bytes(ALL_BYTES)
    result = run("upload", "--category", "docs", "--tag", "a b", "--tag", "ü", str(text), str(binary), env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"file_1\t{text}\nfile_2\t{binary}\n".encode()
    assert result.stderr == b""
    metadata = '{"category":"docs","tags":["a b","ü"]}'
    sent = uploads(httpserver)
    assert len(sent) == 2
    for request, (name, content, content_type) in zip(
        sent,
        [("notes.txt", text.read_bytes(), "text/plain"), ("blob", ALL_BYTES, "application/octet-stream")],
        strict=True,
    ):
        boundary = boundary_of(request)
        expected = multipart(boundary, filename=name, content=content, content_type=content_type, metadata=metadata)
        assert request.get_data() == expected
        assert request.headers["Content-Length"] == str(len(expected))
        assert "Transfer-Encoding" not in request.headers
        assert request.headers["Authorization"] == f"Bearer {OPENROUTER_KEY}"
        assert request.headers["superAgentKey"] == SUPER_AGENT_KEY
        # And a real multipart parser agrees.
        assert request.files["file"].filename == name
        assert request.files["file"].read() == content
        assert json.loads(request.form["metadata"]) == {"category": "docs", "tags": ["a b", "ü"]}
    assert boundary_of(sent[0]) != boundary_of(sent[1])


def test_metadata_is_sent_whole_or_not_at_all(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(Uploads())
    doc = tmp_path / "a.md"
    doc.write_bytes(b"# title\n")
    given = '{"category": "legal", "tags": ["privacy"], "extra": {"n": 1}}'
    assert run("upload", "--metadata", given, str(doc), env=api_env).returncode == 0
    assert run("upload", str(doc), env=api_env).returncode == 0
    first, second = uploads(httpserver)
    assert first.form["metadata"] == given
    assert "metadata" not in second.form
    assert second.get_data().startswith(
        f'--{boundary_of(second)}\r\nContent-Disposition: form-data; name="file"'.encode()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metadata", "[1]"], b"--metadata must be a JSON object"),
        (["--metadata", "{nope"], b"--metadata is not valid JSON"),
        (["--metadata", "{}", "--tag", "x"], b"cannot be combined with --category or --tag"),
        (["--name", "x.txt"], b"--name names the file read from standard input"),
    ],
)
def test_bad_metadata_options_are_usage_errors(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, args: list[str], message: bytes
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    result = run("upload", *args, str(doc), env=api_env)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == b""
    assert httpserver.log == []


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.txt"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder"
    path.mkdir()
    (path / "inside.txt").write_bytes(b"x")
    return path


def _unreadable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = tmp_path / "secret.txt"
    path.write_bytes(b"x")
    path.chmod(0)
    return path


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _empty_directory(tmp_path: Path) -> Path:
    path = tmp_path / "nothing"
    path.mkdir()
    (path / ".hidden").write_bytes(b"x")
    return path


@pytest.mark.parametrize(
    ("make", "flags", "reason"),
    [
        (_missing, [], b"no such file or directory"),
        (_empty, [], b"is empty"),
        (_directory, [], b"is a directory (use -r to upload the files in it)"),
        (_unreadable, [], b"permission denied"),
        (_fifo, [], b"not a regular file (use - to upload standard input)"),
        (_empty_directory, ["-r"], b"no files to upload in this directory"),
    ],
)
def test_one_bad_path_means_nothing_is_sent(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, make, flags: list[str], reason: bytes
) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    good = tmp_path / "good.txt"
    good.write_bytes(b"fine")
    bad = make(tmp_path)
    result = run("upload", *flags, str(good), str(bad), env=api_env)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == f"sacli: error: cannot upload {bad}: ".encode() + reason + b" (nothing was uploaded)\n"
    assert httpserver.log == []


def test_every_bad_path_is_named(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    empty = _empty(tmp_path)
    missing = _missing(tmp_path)
    result = run("upload", str(empty), str(missing), "-", env=api_env, input=b"stdin is not read")
    assert result.returncode == 2
    assert (
        result.stderr
        == (
            f"sacli: error: cannot upload 2 paths: {empty}: is empty; {missing}: no such file or directory "
            "(nothing was uploaded)\n"
        ).encode()
    )
    assert httpserver.log == []


def test_partial_failure_reports_what_was_and_was_not_uploaded(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    paths = [tmp_path / name for name in ("a.txt", "b.txt", "c.txt")]
    for path in paths:
        path.write_bytes(path.name.encode())
    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "file_a", "status": "processing"})
    httpserver.expect_ordered_request(UPLOAD).respond_with_json(
        {"error": {"message": "storage full", "type": "server_error"}}, status=500
    )
    result = run("upload", *map(str, paths), env=api_env)
    assert result.returncode == 5
    assert result.stdout == f"file_a\t{paths[0]}\n".encode()
    assert result.stderr.decode().splitlines() == [
        f"sacli: uploaded: {paths[0]}",
        f"sacli: failed: {paths[1]}",
        f"sacli: not uploaded: {paths[2]}",
        f"sacli: error: uploading {paths[1]}: HTTP 500 INTERNAL SERVER ERROR: storage full",
    ]
    assert [r.files["file"].filename for r in uploads(httpserver)] == ["a.txt", "b.txt"]


def test_timeout_during_an_upload_reports_too(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("a.txt", "b.txt")]
    for path in paths:
        path.write_bytes(b"x")
    release = threading.Event()

    def stuck(request: Request) -> Response:
        # The reply (and with it the log entry) is made at once; its first byte waits for the test.
        def body() -> Iterator[bytes]:
            release.wait(30)
            yield b"{}"

        return Response(body(), content_type="application/json")

    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "file_a"})
    httpserver.expect_ordered_request(UPLOAD).respond_with_handler(stuck)
    try:
        result = run("upload", "--timeout", "1", *map(str, paths), env=api_env)
    finally:
        release.set()
    assert result.returncode == 7
    assert result.stdout == f"file_a\t{paths[0]}\n".encode()
    assert result.stderr.decode().splitlines() == [
        f"sacli: uploaded: {paths[0]}",
        f"sacli: failed: {paths[1]}",
        "sacli: error: timed out after 1 s (--timeout)",
    ]


def test_no_super_agent_key_sends_nothing(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    del api_env["SUPER_AGENT_KEY"]
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    result = run("upload", str(doc), "-", env=api_env, input=b"stdin")
    assert result.returncode == 3
    assert result.stderr.startswith(b"sacli: error: no Super Agent key configured")
    assert httpserver.log == []


@pytest.mark.parametrize(("status", "code"), [(401, 3), (429, 4), (413, 5)])
def test_a_failed_upload_exits_with_its_code(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path, status: int, code: int
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    httpserver.expect_request(UPLOAD).respond_with_json({"error": "no"}, status=status)
    result = run("upload", "--retries", "0", str(doc), env=api_env)
    assert result.returncode == code
    assert result.stdout == b""
    assert result.stderr.startswith(f"sacli: error: uploading {doc}: HTTP {status} ".encode())


def test_a_retry_sends_the_whole_body_again(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    doc = tmp_path / "big.bin"
    content = os.urandom(300_000)  # several 64 KiB pieces
    doc.write_bytes(content)
    httpserver.expect_ordered_request(UPLOAD).respond_with_data("busy", status=503, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "file_1", "status": "processing"})
    result = run("upload", str(doc), env=api_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"file_1\t{doc}\n".encode()
    first, second = uploads(httpserver)
    for request in (first, second):
        expected = multipart(
            boundary_of(request), filename="big.bin", content=content, content_type="application/octet-stream",
            metadata=None,
        )  # fmt: skip
        assert request.get_data() == expected


def test_an_upload_is_not_retried_after_a_plain_500(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    httpserver.expect_request(UPLOAD).respond_with_data("oops", status=500)
    result = run("upload", str(doc), env=api_env)
    assert result.returncode == 5
    assert len(uploads(httpserver)) == 1


def test_json_writes_each_file_unwrapped_as_one_line(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    record = {"fileId": "file_9", "filename": "a.txt", "status": "processing", "chunks": 0}
    httpserver.expect_request(UPLOAD).respond_with_json({"success": True, "data": record})
    result = run("upload", "--json", str(doc), str(doc), env=api_env)
    assert result.returncode == 0, result.stderr
    line = {**record, "path": str(doc), "uploaded": True, "error": None}
    assert [json.loads(line) for line in result.stdout.splitlines()] == [line, line]


def test_json_leaves_out_the_success_of_a_flat_reply(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    record = {"fileId": "file_9", "filename": "a.txt", "status": "processing"}
    httpserver.expect_request(UPLOAD).respond_with_json({"success": True, **record})
    result = run("upload", "--json", str(doc), env=api_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {**record, "path": str(doc), "uploaded": True, "error": None}


def test_a_reply_without_a_file_id_is_an_api_error(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x")
    httpserver.expect_request(UPLOAD).respond_with_json({"ok": True})
    result = run("upload", str(doc), env=api_env)
    assert result.returncode == 5
    assert b"carries no file ID" in result.stderr


def test_stdin_is_uploaded_under_its_name(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    result = run("upload", "-", "--name", "report.md", env=api_env, input=ALL_BYTES)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"file_1\treport.md\n"
    result = run("upload", "-", env=api_env, input=b"no name")
    assert result.stdout == b"file_2\tstdin\n"
    first, second = uploads(httpserver)
    assert first.get_data() == multipart(
        boundary_of(first), filename="report.md", content=ALL_BYTES, content_type="text/markdown", metadata=None
    )
    assert second.files["file"].filename == "stdin"
    assert second.files["file"].read() == b"no name"


def test_stdin_redirected_from_a_file_is_sent_from_where_it_stands(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    source = tmp_path / "in.bin"
    source.write_bytes(b"HEADER" + ALL_BYTES)
    with source.open("rb") as stdin:
        stdin.seek(6)  # the shell may hand over a file already partly read
        result = subprocess.run(
            [SACLI, "upload", "-", "--name", "x.bin"], stdin=stdin, capture_output=True, env=api_env, timeout=60
        )
    assert result.returncode == 0, result.stderr
    (request,) = uploads(httpserver)
    assert request.files["file"].read() == ALL_BYTES


def test_empty_or_repeated_stdin_is_a_usage_error(httpserver: HTTPServer, api_env: dict[str, str]) -> None:
    result = run("upload", "-", env=api_env, input=b"")
    assert result.returncode == 2
    assert result.stderr == b"sacli: error: cannot upload '-': standard input is empty (nothing was uploaded)\n"
    result = run("upload", "-", "-", env=api_env, input=b"x")
    assert result.returncode == 2
    assert b"'-' (standard input) can be given only once" in result.stderr
    assert httpserver.log == []


def test_recursive_walks_directories_in_order_skipping_hidden_names(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    top = tmp_path / "docs"
    (top / "sub").mkdir(parents=True)
    (top / ".git").mkdir()
    (top / ".git" / "config").write_bytes(b"hidden dir")
    (top / ".env").write_bytes(b"hidden file")
    (top / "b.txt").write_bytes(b"b")
    (top / "a.txt").write_bytes(b"a")
    (top / "sub" / "c.txt").write_bytes(b"c")
    (top / "sub" / "empty.txt").write_bytes(b"")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_bytes(b"o")
    (top / "linked-dir").symlink_to(outside)
    (top / "linked-file.txt").symlink_to(outside / "o.txt")
    result = run("upload", "-r", str(top), env=api_env)
    assert result.returncode == 0, result.stderr
    expected = [top / "a.txt", top / "b.txt", top / "linked-file.txt", top / "sub" / "c.txt"]
    assert result.stdout.decode().splitlines() == [f"file_{i}\t{p}" for i, p in enumerate(expected, 1)]
    assert result.stderr == f"sacli: warning: skipping empty file {top / 'sub' / 'empty.txt'}\n".encode()
    sent = [(r.files["file"].filename, r.files["file"].read()) for r in uploads(httpserver)]
    assert sent == [("a.txt", b"a"), ("b.txt", b"b"), ("linked-file.txt", b"o"), ("c.txt", b"c")]


def test_verbose_off_a_terminal_gives_plain_lines(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"x" * 2048)
    result = run("upload", "-v", str(doc), env=api_env)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert lines[0] == f"sacli: uploading {doc} (2.0 kB)"
    assert re.fullmatch(rf"sacli: uploaded {re.escape(str(doc))} as file_1 \(2\.0 kB in \d+\.\d s\)", lines[1])
    assert len(lines) == 2
    assert "\x1b" not in result.stderr.decode()


def test_progress_bar_on_a_terminal(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    httpserver.expect_request(UPLOAD).respond_with_handler(Uploads())
    doc = tmp_path / "progress-me.bin"
    doc.write_bytes(b"z" * (3 * 1024 * 1024))
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    proc = subprocess.Popen(
        [SACLI, "upload", str(doc)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=api_env,
    )
    os.close(terminal)
    stderr = read_terminal_until_closed(controller)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert stdout == f"file_1\t{doc}\n".encode()
    shown = stderr.decode("utf-8", "replace")
    assert "progress-me.bin" in shown
    assert re.search(r"━(\x1b\[[0-9;]*m)? 3\.1 MB", shown)  # once sent, the size alone
    assert "━" in shown


# -- --wait -----------------------------------------------------------------------------------


def listing(*files: tuple[str, str]) -> dict:
    return {
        "files": [{"fileId": fid, "filename": f"{fid}.txt", "status": status, "size": 1} for fid, status in files],
        "totalFiles": len(files),
    }


@pytest.fixture
def fast_poll(api_env: dict[str, str]) -> dict[str, str]:
    api_env["SACLI_POLL_INTERVAL"] = "0.01"
    return api_env


def test_wait_polls_until_every_file_is_processed(
    httpserver: HTTPServer, fast_poll: dict[str, str], tmp_path: Path
) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "f1", "status": "processing"})
    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "f2", "status": "processing"})
    httpserver.expect_ordered_request(FILES, method="GET").respond_with_json(listing(("f1", "processing")))
    httpserver.expect_ordered_request(FILES, method="GET").respond_with_json(
        listing(("f0", "processed"), ("f1", "processed"), ("f2", "processing"))
    )
    httpserver.expect_ordered_request(FILES, method="GET").respond_with_json(
        {"data": listing(("f1", "processed"), ("f2", "Processed"))}
    )
    result = run("upload", "--wait", "-v", str(a), str(b), env=fast_poll)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"f1\t{a}\nf2\t{b}\n".encode()
    notices = [line for line in result.stderr.decode().splitlines() if "(f" in line]
    assert notices == [
        f"sacli: {b} (f2): not listed yet",
        f"sacli: {a} (f1): processed",
        f"sacli: {b} (f2): processing",
        f"sacli: {b} (f2): processed",
    ]
    assert len(httpserver.log) == 5  # and no more polls once all were processed
    for request, _ in httpserver.log[2:]:
        assert request.headers["superAgentKey"] == SUPER_AGENT_KEY


def test_wait_exits_5_when_processing_fails(httpserver: HTTPServer, fast_poll: dict[str, str], tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_bytes(b"a")
    httpserver.expect_ordered_request(UPLOAD).respond_with_json({"fileId": "f1", "status": "pending"})
    httpserver.expect_ordered_request(FILES).respond_with_json(listing(("f1", "processing")))
    httpserver.expect_ordered_request(FILES).respond_with_json(listing(("f1", "failed")))
    result = run("upload", "--wait", str(a), env=fast_poll)
    assert result.returncode == 5
    assert result.stdout == f"f1\t{a}\n".encode()
    assert result.stderr == f"sacli: error: the server failed to process {a} (f1: failed)\n".encode()


def test_wait_needs_no_poll_when_the_upload_reply_says_processed(
    httpserver: HTTPServer, fast_poll: dict[str, str], tmp_path: Path
) -> None:
    a = tmp_path / "a.txt"
    a.write_bytes(b"a")
    httpserver.expect_request(UPLOAD).respond_with_json({"fileId": "f1", "status": "processed"})
    assert run("upload", "--wait", str(a), env=fast_poll).returncode == 0
    assert len(httpserver.log) == 1


def test_wait_is_bounded_by_timeout(httpserver: HTTPServer, fast_poll: dict[str, str], tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_bytes(b"a")
    httpserver.expect_request(UPLOAD).respond_with_json({"fileId": "f1", "status": "processing"})
    httpserver.expect_request(FILES).respond_with_json(listing(("f1", "processing")))
    result = run("upload", "--wait", "--timeout", "2", str(a), env=fast_poll)
    assert result.returncode == 7
    assert result.stdout == f"f1\t{a}\n".encode()
    assert (
        result.stderr
        == f"sacli: error: timed out (--timeout) waiting for the server to process {a} (processing)\n".encode()
    )


# -- a large file -----------------------------------------------------------------------------


class StreamingServer(HTTPServer):
    """pytest-httpserver without its habit of reading each request body into memory first."""

    def application(self, request: Request) -> Response:
        response = self.dispatch(request)
        self.log.append((request, response))
        return response


@pytest.fixture
def streaming_server() -> Iterator[StreamingServer]:
    server = StreamingServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


class Digest:
    """Reads an upload in pieces, keeping only a hash, a count, its first and last bytes."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.tail = b""
        self.largest_piece = 0
        self.content_type = ""

    def __call__(self, request: Request) -> Response:
        self.content_type = request.headers["Content-Type"]
        stream = request.stream
        while piece := stream.read(256 * 1024):
            self.sha.update(piece)
            self.size += len(piece)
            if len(self.head) < 4096:
                self.head += piece[: 4096 - len(self.head)]
            self.tail = (self.tail + piece)[-4096:]
        return Response(json.dumps({"fileId": "file_big", "status": "processing"}), content_type="application/json")


def make_large_file(path: Path, size: int) -> None:
    """A sparse file of ``size`` bytes with a distinct 4 KiB marker every 16 MiB."""
    step = 16 * 1024 * 1024
    with path.open("wb") as f:
        f.truncate(size)
        for offset in range(0, size, step):
            f.seek(offset)
            f.write(hashlib.sha512(str(offset).encode()).digest() * 64)


def test_a_large_file_is_streamed_with_flat_memory(
    streaming_server: StreamingServer, env: dict[str, str], tmp_path: Path
) -> None:
    size = 200 * 1024 * 1024 + 12345
    big = tmp_path / "big.bin"
    make_large_file(big, size)
    digest = Digest()
    streaming_server.expect_request(UPLOAD, method="POST").respond_with_handler(digest)
    env.update(
        SACLI_BASE_URL=streaming_server.url_for("/api/v1"),
        OPENROUTER_KEY=OPENROUTER_KEY,
        SUPER_AGENT_KEY=SUPER_AGENT_KEY,
    )
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        try:
            status, peak_kib = run_measured(
                [SACLI, "upload", str(big)], env=env, stdout=stdout, stderr=stderr, timeout=120
            )
        except subprocess.TimeoutExpired:
            pytest.fail("sacli upload did not finish within 120 s")
    assert status == 0, err.read_bytes()
    assert out.read_bytes() == f"file_big\t{big}\n".encode()
    streaming_server.check_assertions()

    boundary = re.fullmatch(r"multipart/form-data; boundary=(.+)", digest.content_type).group(1)  # type: ignore[union-attr]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    expected = hashlib.sha256(head)
    with big.open("rb") as f:
        while piece := f.read(1024 * 1024):
            expected.update(piece)
    expected.update(tail)
    assert digest.size == len(head) + size + len(tail)
    assert digest.head.startswith(head)
    assert digest.tail.endswith(tail)
    assert digest.sha.hexdigest() == expected.hexdigest()
    peak_mib = peak_kib / 1024
    assert peak_mib < 100, f"sacli's peak memory was {peak_mib:.0f} MiB for a {size >> 20} MiB file"


def test_json_writes_a_line_for_a_file_the_server_refused(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(b"fine")
    bad.write_bytes(b"refused")
    record = {"fileId": "file_1", "filename": "good.txt", "status": "processing", "chunks": 0}

    def by_content(request: Request) -> Response:
        if b"refused" in request.get_data():
            return Response(json.dumps({"error": "unsupported file type"}), status=400, mimetype="application/json")
        return Response(json.dumps({"success": True, "data": record}), mimetype="application/json")

    httpserver.expect_request(UPLOAD).respond_with_handler(by_content)
    result = run("upload", "--json", str(good), str(bad), env=api_env)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {**record, "path": str(good), "uploaded": True, "error": None}
    assert {key: lines[1][key] for key in ("path", "uploaded")} == {"path": str(bad), "uploaded": False}
    assert "unsupported file type" in lines[1]["error"]["message"]
    assert lines[1]["error"]["exit_code"] == result.returncode == 5  # the API refused it


# File names past ASCII ---------------------------------------------------------------------------


def test_a_utf8_file_name_is_sent_as_utf8(httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path) -> None:
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(Uploads())
    doc = tmp_path / "café ünïcode.txt"
    doc.write_bytes(b"x")
    result = run("upload", str(doc), env=api_env)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == f"file_1\t{doc}\n".encode()
    (sent,) = uploads(httpserver)
    assert b'filename="caf\xc3\xa9 \xc3\xbcn\xc3\xafcode.txt"\r\n' in sent.get_data()
    assert sent.files["file"].filename == "café ünïcode.txt"


def test_a_file_name_that_is_not_utf8_is_sent_with_u_fffd_and_printed_as_given(
    httpserver: HTTPServer, api_env: dict[str, str], tmp_path: Path
) -> None:
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(Uploads())
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"  # a Latin-1 name
    with open(raw, "wb") as file:
        file.write(b"x")
    result = run("upload", "--json", os.fsdecode(raw), env=api_env)
    assert result.returncode == 0, result.stderr
    shown = f"{tmp_path}/caf\\xE9.txt"
    assert result.stderr.decode() == (
        f"sacli: warning: {shown}: the file name is not UTF-8 (the byte 0xE9 at offset 3); it is sent as "
        "'caf\ufffd.txt'\n"
    )
    (sent,) = uploads(httpserver)
    assert b'filename="caf\xef\xbf\xbd.txt"\r\n' in sent.get_data()
    assert json.loads(result.stdout)["path"] == f"{tmp_path}/caf\ufffd.txt"  # JSON is UTF-8
    plain = run("upload", os.fsdecode(raw), env=api_env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == b"file_2\t" + raw + b"\n"  # the path as given, byte for byte
