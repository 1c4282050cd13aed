"""URLs as sacli shows them: a password in a URL (the base URL, a proxy's) never reaches a message
(``redact_url``, from sacli.settings.secrets, where the settings' own checks use it too).

Standard library only: this is used before any HTTP library is imported, and in messages about
URLs no library could parse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import unquote

from sacli.settings.secrets import redact_url, url_password

# The variables httpx2 takes proxies from (lower case first, as curl does); NO_PROXY exempts hosts.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
USABLE_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def proxy_settings(environ: Mapping[str, str] = os.environ) -> list[tuple[str, str]]:
    """(variable, value) for each proxy variable set, in the order httpx2 prefers them."""
    found = []
    for name in PROXY_VARIABLES:
        for variable in (name, name.upper()):
            value = environ.get(variable)
            if value:
                found.append((variable, value))
                break
    return found


def passwords(base_url: str, environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The passwords in the base URL and the proxy URLs, as written and percent-decoded."""
    found: set[str] = set()
    for url in (base_url, *(value for _, value in proxy_settings(environ))):
        password = url_password(url)
        if password:
            found |= {password, unquote(password)}
    return tuple(found)


def proxy_problem(exc: BaseException, environ: Mapping[str, str] = os.environ) -> str:
    """Why a proxy from the environment cannot be used, naming its variable (password hidden)."""
    for variable, value in proxy_settings(environ):
        scheme = value.partition("://")[0].lower() if "://" in value else "http"
        shown = f"{variable}={redact_url(value)!r}"
        if scheme not in USABLE_PROXY_SCHEMES:
            return f"cannot use the proxy {shown}: the scheme must be http, https, socks5 or socks5h"
        if scheme.startswith("socks") and isinstance(exc, ImportError):
            return f"cannot use the proxy {shown}: SOCKS needs the socks extra (pip install 'sacli[socks]')"
    reason = redact_url(str(exc)) or type(exc).__name__
    settings = proxy_settings(environ)
    if len(settings) == 1:
        variable, value = settings[0]
        return f"cannot use the proxy {variable}={redact_url(value)!r}: {reason}"
    names = ", ".join(variable for variable, _ in settings) or "the environment"
    return f"cannot use the proxy from {names}: {reason}"
