"""The exit-code table: the one place it is defined.

The README and the man page render their tables from ``EXIT_CODES``.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    AUTH = 3
    RATE_LIMITED = 4
    API = 5
    NETWORK = 6
    TIMEOUT = 7
    OUTPUT = 8
    SCHEMA = 9
    BATCH_FAILED = 10
    SPENDING_LIMIT = 11
    REFUSED = 12
    INTERRUPTED = 130
    STDOUT_CLOSED = 141
    TERMINATED = 143


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "the reply completed",
    ExitCode.UNEXPECTED: "unexpected failure (a bug); the message suggests --debug",
    ExitCode.USAGE: (
        "usage: bad option or argument, empty prompt, invalid config; an ID that the local log or the models "
        "list does not have (sacli logs show, sacli models show); sacli or a command group run without a command "
        "(its help goes to stderr)"
    ),
    ExitCode.AUTH: "authentication: no key configured, HTTP 401, or a 403 that names no spending limit",
    ExitCode.RATE_LIMITED: "rate limited: HTTP 429 still failing after the allowed retries",
    ExitCode.API: (
        "API error: any other HTTP error status, an error inside the stream that stands for no status above "
        "(one that does gets that status's code), a reply that is not what the API promises (not SSE and not "
        "a chat completion, invalid JSON)"
    ),
    ExitCode.NETWORK: "network: cannot connect, connection lost, stream ended early",
    ExitCode.TIMEOUT: (
        "timeout: connect, idle (or a reply's headers not whole within connect + idle), or total (a batch's "
        "--item-timeout: in the item's record)"
    ),
    ExitCode.OUTPUT: "cannot write the output: stdout is full or closed (> /dev/full, >&-)",
    ExitCode.SCHEMA: "the reply does not match --schema: not JSON, or against the schema (the first violation named)",
    ExitCode.BATCH_FAILED: (
        "batch finished with failed items: each failed item's record carries its error and the exit code "
        "it would have had"
    ),
    ExitCode.SPENDING_LIMIT: (
        "spending limit reached: --max-cost (a reply stopped, or refused before sending), --budget, HTTP 402, "
        "or a key's or guardrail's limit (HTTP 403 naming it); the message says which, and when it resets"
    ),
    ExitCode.REFUSED: (
        "the model refused: its reply is a refusal and nothing else (no text, no tool call); the refusal is on stderr"
    ),
    ExitCode.INTERRUPTED: (
        "aborted by SIGINT (Ctrl-C): after cleanup (a batch first gives every item its record) sacli ends itself "
        "with SIGINT, so a calling shell script stops too"
    ),
    ExitCode.STDOUT_CLOSED: "stdout closed by its reader (sacli stream ... | head -c 100): no message, no traceback",
    ExitCode.TERMINATED: "terminated by SIGTERM",
}

SIGNAL_NOTE = (
    "On 130, 141 and 143 sacli ends itself with the signal (SIGINT, SIGPIPE, SIGTERM), so the shell "
    "reports 128 + the signal number; the HTTP connection is closed at once and what was already "
    "written stays written."
)
