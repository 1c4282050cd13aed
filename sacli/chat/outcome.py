"""How a run or an exchange ended: its status, exit code and message, as the log and ``--events`` say it."""

from __future__ import annotations

import signal

from sacli.errors import DeadlineExceeded, SacliError, Stop
from sacli.exitcodes import ExitCode


def outcome(failure: BaseException | None) -> tuple[str, int, str | None]:
    """(status, exit code, message) of how a run ended: what ``end`` and the log say."""
    if failure is None:
        return "ok", 0, None
    if isinstance(failure, SacliError):
        code = failure.exit_code
        status = {ExitCode.TIMEOUT: "timeout", ExitCode.SPENDING_LIMIT: "limit"}.get(code, "error")
        return status, int(code), failure.message
    if isinstance(failure, DeadlineExceeded):
        return "timeout", int(ExitCode.TIMEOUT), f"timed out after {failure.seconds:g} s (--timeout)"
    if isinstance(failure, Stop):
        name = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGPIPE: "stdout closed"}.get(
            failure.signum, f"signal {failure.signum}"
        )
        return "interrupted", 128 + failure.signum, f"stopped by {name}"
    if isinstance(failure, KeyboardInterrupt):
        return "interrupted", 130, "stopped by Ctrl-C"
    return "error", int(ExitCode.UNEXPECTED), f"{type(failure).__name__}: {failure}"
