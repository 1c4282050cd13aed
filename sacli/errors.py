"""Errors sacli reports, each carrying its exit code.

    SacliError                    one line on stderr, exit_code
    ├── UsageError                2  bad option, empty prompt, invalid config
    ├── AuthError                 3  no key configured, HTTP 401/403
    ├── RateLimitError            4  HTTP 429 after the allowed retries
    ├── ApiError                  5  other HTTP errors, error events, replies that are not what the API promises
    ├── NetworkError              6  cannot connect, connection lost, stream ended early
    ├── TimeoutError_             7  connect, idle or total timeout
    ├── OutputError               8  stdout cannot be written: a full disk, a closed descriptor
    ├── SchemaMismatch            9  the reply is not JSON that matches --schema
    ├── BatchFailed              10  sacli batch finished, and some of its items failed
    └── SpendingLimit            11  --max-cost, --budget, HTTP 402, a key's or guardrail's limit

    Stop(BaseException)           a signal or a closed stdout: end at once, exit by that signal
    DeadlineExceeded(BaseException) raised by the --timeout alarm wherever sacli is blocked

The two BaseException classes pass through ``except Exception`` clauses in libraries, so that
a signal always unwinds to the boundary, closing the connection on the way.
"""

from __future__ import annotations

from sacli.exitcodes import ExitCode


class SacliError(Exception):
    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.retryable = retryable
        self.retry_after: float | None = None
        self.status: int | None = None
        # The server's error body as one JSON line, for --json output when the error is final.
        self.payload: str | None = None
        # What a retry notice says of the error: the message, or for an HTTP error its status line.
        self.summary = message


class UsageError(SacliError):
    exit_code = ExitCode.USAGE  # bad option, empty prompt, invalid config


class AuthError(SacliError):
    exit_code = ExitCode.AUTH  # no key, HTTP 401 or 403


class RateLimitError(SacliError):
    exit_code = ExitCode.RATE_LIMITED  # HTTP 429 after the retries


class ApiError(SacliError):
    exit_code = ExitCode.API  # other HTTP errors, error events, broken replies


class NetworkError(SacliError):
    exit_code = ExitCode.NETWORK  # cannot connect, connection lost


class TimeoutError_(SacliError):
    exit_code = ExitCode.TIMEOUT  # connect, idle or total timeout


class OutputError(SacliError):
    exit_code = ExitCode.OUTPUT  # stdout cannot be written


class SchemaMismatch(SacliError):
    exit_code = ExitCode.SCHEMA  # the reply does not match --schema


class BatchFailed(SacliError):
    exit_code = ExitCode.BATCH_FAILED  # some batch items failed


class Refused(SacliError):
    exit_code = ExitCode.REFUSED  # the reply is only the model's refusal


class SpendingLimit(SacliError):
    exit_code = ExitCode.SPENDING_LIMIT  # --max-cost, --budget, HTTP 402, a key's limit


class Stop(BaseException):
    """SIGINT, SIGTERM or EPIPE on stdout: unwind, then end the process with ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class DeadlineExceeded(BaseException):
    """The whole-command ``--timeout`` ran out."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds
