"""Exploring input spaces: arbitrary replies, files, arguments and bytes fed to the installed sacli.

Each example runs the real ``sacli`` (through the launcher of tests/support/peakmem.py, to
measure its own peak memory) against a local server that answers what the example says, and
``assert_clean`` holds it to the contract: never exit 1, never a traceback, a failure is one
``sacli: error:`` line last on stderr, and the peak memory stays under 100 MiB.

Two profiles: ``quick`` (the default, in the suite: few examples, the same ones every run) and
``long`` (``SACLI_EXPLORE=long``, many random examples, remembered between runs in
``.hypothesis/``): ``.ci/explore`` runs it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.helpers import OPENROUTER_KEY, SACLI, SUPER_AGENT_KEY, clean_env
from tests.support.peakmem import Measured

PROFILE = os.environ.get("SACLI_EXPLORE", "quick")
EXAMPLES = {"quick": 10, "long": 400}[PROFILE]
EXPLORE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=PROFILE == "quick",
    database=None if PROFILE == "quick" else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
PEAK_LIMIT_MIB = 100
SIGNAL_CODES = {-2, -13, -15, 130, 141, 143}


@dataclass
class Outcome:
    args: list[str]
    code: int
    stdout: bytes
    stderr: bytes
    peak_mib: float


def sacli(
    args: list[Any], env: dict[Any, Any], *, stdin: bytes | None = None, timeout: float = 60, cwd: Path | None = None
) -> Outcome:
    """Run the installed sacli with ``args`` (text or bytes) in ``cwd``; stdin is ``stdin`` or /dev/null."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = Measured(
            [SACLI, *args],
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
        )
        try:
            if stdin is not None:
                assert proc.stdin is not None
                with contextlib.suppress(BrokenPipeError):  # sacli stopped reading: its own business
                    proc.stdin.write(stdin)
                proc.stdin.close()
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill_all()
            raise
        code, peak_kib = proc.peak()
        out.seek(0)
        err.seek(0)
        return Outcome(args, code, out.read(), err.read(), peak_kib / 1024)


def assert_clean(outcome: Outcome, *, codes: set[int] | None = None) -> None:
    """The contract every run keeps, whatever came in (``codes``: the exit codes that may come out)."""
    where = f"sacli {' '.join(repr(a)[:60] for a in outcome.args)}"
    stderr = outcome.stderr.decode("utf-8", "replace")
    assert outcome.code != 1, f"{where}: exit 1 (a bug): {stderr[-2000:]}"
    assert "Traceback" not in stderr, f"{where}: a traceback: {stderr[-2000:]}"
    assert outcome.peak_mib < PEAK_LIMIT_MIB, f"{where}: peak memory {outcome.peak_mib:.0f} MiB"
    if codes is not None:
        assert outcome.code in codes, f"{where}: exit {outcome.code}, not one of {sorted(codes)}: {stderr[-500:]}"
    if outcome.code not in (0, *SIGNAL_CODES):
        last = stderr.splitlines()[-1] if stderr.splitlines() else ""
        assert last.startswith("sacli: error: "), f"{where}: exit {outcome.code} without its error line: {stderr!r}"


class Scripted:
    """A local server whose every answer is what the current example says (``answer``)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.handler: Callable[[Request], Response] = lambda request: Response("no answer set", status=500)
        self.requests = 0
        server.expect_request(re.compile(".*")).respond_with_handler(self._dispatch)

    def _dispatch(self, request: Request) -> Response:
        self.requests += 1
        return self.handler(request)

    def answer(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests = 0

    def env(self, home: Path) -> dict[str, str]:
        env = clean_env(home)
        env.update(
            SACLI_BASE_URL=self.server.url_for("/api/v1"),
            OPENROUTER_KEY=OPENROUTER_KEY,
            SUPER_AGENT_KEY=SUPER_AGENT_KEY,
        )
        return env


@pytest.fixture(scope="session")
def scripted() -> Iterator[Scripted]:
    server = HTTPServer(threaded=True)
    server.start()
    yield Scripted(server)
    server.clear()
    server.stop()


@pytest.fixture(scope="session")
def explore_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explore")


# -- strategies ---------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=max_leaves,
    )


def shaped_like(template: Any) -> st.SearchStrategy[Any]:
    """Values of ``template``'s shape with any part swapped for an arbitrary value, or kept."""
    if isinstance(template, dict):
        extra = {key: json_values(4) for key in ("error", "usage", "index") if key not in template}
        return st.fixed_dictionaries(
            {key: st.one_of(st.just(value), shaped_like(value), json_values(4)) for key, value in template.items()},
            optional=extra,
        )
    if isinstance(template, list):
        return st.lists(st.one_of(*(shaped_like(item) for item in template)), max_size=3) if template else st.just([])
    return st.one_of(st.just(template), SCALARS)


# Text that looks like JSON but breaks a reader: too deep, not finite, too long a number, bad escapes.
HOSTILE_JSON = st.sampled_from(
    [
        "[" * 30_000 + "]" * 30_000,
        '{"a":' * 100 + "1" + "}" * 100,
        "NaN",
        '{"x": Infinity}',
        "1e999",
        "9" * 5000,
        '"\\ud800"',
        '{"a": "\\u0000"}',
        "{",
        "",
        "null",
    ]
)
