"""What sacli says about a failed request: the innermost reason of a failure below HTTP, and the
error of a 3xx, 4xx or 5xx reply with the server's own message. No HTTP library is imported:
these read only what every response has.
"""

from __future__ import annotations

import re
from typing import Any

from sacli.api.bodies import read_error_body
from sacli.api.retry import server_retry_delay
from sacli.api.urls import redact_url
from sacli.errors import ApiError, AuthError, RateLimitError, SacliError, SpendingLimit


def reason_of(exc: BaseException) -> str:
    """The innermost cause, as a lower-case clause: ``[Errno 111] Connection refused`` -> ``connection refused``."""
    import ssl

    root: BaseException = exc
    while root.__cause__ is not None:
        root = root.__cause__
    if isinstance(root, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {root.verify_message}"
    text = str(root) or str(exc) or type(exc).__name__
    if isinstance(root, ssl.SSLError) and len(root.args) > 1:
        text = str(root.args[1])
    if text.startswith("[") and "] " in text:  # [Errno 111] ..., [SSL: WRONG_VERSION_NUMBER] ...
        text = text.split("] ", 1)[1]
    text = _BYTES_REPR.sub(_quoted_bytes, text.split(" (_ssl.c:")[0]).removesuffix(".")
    return _clip(text[:1].lower() + text[1:])


# h11 quotes what it could not parse as bytearray(b'...'): show it as the text it was meant to be.
_BYTES_REPR = re.compile(r"bytearray\((b(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))\)")


def _quoted_bytes(match: re.Match[str]) -> str:
    import ast

    try:
        raw = ast.literal_eval(match[1])
    except (ValueError, SyntaxError):
        return match[1]
    return repr(_clip(raw.decode("utf-8", "replace"), 60))


def _parsed(payload: str | None) -> Any:
    from sacli.readers.jsontext import JsonProblem, parse_json

    try:
        return parse_json(payload) if payload else None
    except JsonProblem:
        return None


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def redirect_error(response: Any, *, url_hint: str | None = "check --base-url") -> SacliError:
    """A 3xx is never followed (the keys would travel with it), nor retried: the answer is final.
    ``url_hint`` says where the base URL came from ("check SACLI_BASE_URL")."""
    location = response.headers.get("location")
    message = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    message += f": the server redirects to {redact_url(location)}" if location else ": a redirect without a Location"
    hint = "sacli does not follow redirects" + (f"; {url_hint}" if url_hint else "")
    error = ApiError(message, hint=hint)
    error.status = response.status_code
    return error


def http_error(
    response: Any,
    retry_on: frozenset[int],
    *,
    auth_hint: str = "check the keys",
    url_hint: str | None = "check --base-url",
) -> SacliError:
    """The error for a 4xx or 5xx reply, with the server's own message and its raw JSON body; a 404
    or 405 has ``url_hint``, which says where the base URL came from."""
    from sacli.api.errorbodies import describe_error_body, spending_limit

    body = read_error_body(response)
    status = response.status_code
    detail, payload = describe_error_body(body, response.headers.get("content-type", ""))
    status_line = f"HTTP {status} {response.reason_phrase}".rstrip()
    message = f"{status_line}: {detail}" if detail else status_line
    retry_after = server_retry_delay(response.headers, detail or "")
    limit = spending_limit(_parsed(payload)) if status in (402, 403) else None
    error: SacliError
    if status == 402 or limit is not None:
        # A 402 that says when to try again is a budget in flight, retried as a 429 is.
        hint = "a spending limit was reached" + (f": {limit}" if limit else "")
        if status == 402 and not limit:
            hint = "the account is out of credits, or a spending limit was reached"
        in_flight = status == 402 and response.headers.get("retry-after") is not None
        error = SpendingLimit(message, hint=hint, retryable=in_flight)
    elif status in (401, 403):
        error = AuthError(message, hint=auth_hint)
    elif status == 429:
        error = RateLimitError(message, retryable=status in retry_on)
    else:
        hint = url_hint if status in (404, 405) else None
        error = ApiError(message, hint=hint, retryable=status in retry_on)
    error.retry_after = retry_after
    error.summary = status_line
    error.status = status
    error.payload = payload
    return error
