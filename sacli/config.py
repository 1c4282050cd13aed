"""Settings: command-line flag > environment > config file > default.

Typer has already applied flag > environment (each option names its variable); this module
fills what is still unset from ``$XDG_CONFIG_HOME/sacli/config.toml`` (top-level keys, then the
chosen ``[profiles.NAME]`` table over them), then from the defaults.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, NamedTuple

from sacli.errors import UsageError

DEFAULT_BASE_URL = "https://superagentstack.orionixtech.com/api/v1"
DEFAULT_MODEL = "anthropic/claude-3-sonnet"

# key in the file -> expected type
FILE_KEYS: dict[str, type] = {
    "api_key": str,
    "super_agent_key": str,
    "base_url": str,
    "model": str,
}
SECRET_KEYS = ("api_key", "super_agent_key")


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sacli" / "config.toml"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sacli"


class Settings(NamedTuple):
    base_url: str
    model: str
    api_key: str | None
    super_agent_key: str | None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.super_agent_key) if s)

    @property
    def api_root(self) -> str:
        """Where the host-relative path families (/api/v1/memory, /api/rag) hang off.

        The base URL ends in /api/v1 for the real service; strip that. Any other base URL
        (a proxy that mounts the API somewhere else) keeps its path as the root.
        """
        base = self.base_url.rstrip("/")
        return base[: -len("/api/v1")] if base.endswith("/api/v1") else base


def resolve(
    *,
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    super_agent_key: str | None,
    profile: str | None,
    warn: Any,
) -> Settings:
    flags = {"base_url": base_url, "model": model, "api_key": api_key, "super_agent_key": super_agent_key}
    values = dict(flags)
    if any(v is None for v in values.values()) or profile:
        from_file = load_file(config_path(), profile, warn)
        for key, value in from_file.items():
            if values.get(key) is None:
                values[key] = value
    return Settings(
        base_url=(values["base_url"] or DEFAULT_BASE_URL).rstrip("/"),
        model=values["model"] or DEFAULT_MODEL,
        api_key=values["api_key"] or None,
        super_agent_key=values["super_agent_key"] or None,
    )


def load_file(path: Path, profile: str | None, warn: Any) -> dict[str, str]:
    """The file's settings for ``profile`` ({} when there is no file and no profile asked for)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if profile:
            raise UsageError(f"profile {profile!r} asked for, but there is no config file at {path}") from None
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None

    import tomllib

    try:
        text = raw.decode("utf-8")
        document = tomllib.loads(text)
    except UnicodeDecodeError:
        raise UsageError(f"invalid config file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"invalid config file {path}: {exc}") from None

    profiles = document.pop("profiles", {})
    if not isinstance(profiles, dict):
        raise UsageError(f"invalid config file {path}, line {_line_of(text, 'profiles')}: 'profiles' must be a table")
    values = _checked(document, path, text, "")
    if profile:
        chosen = profiles.get(profile)
        if not isinstance(chosen, dict):
            known = ", ".join(sorted(profiles)) or "none"
            raise UsageError(f"no profile {profile!r} in {path} (profiles: {known})")
        values.update(_checked(chosen, path, text, f"profiles.{profile}."))
    if any(key in values for key in SECRET_KEYS) or any(
        isinstance(p, dict) and any(k in p for k in SECRET_KEYS) for p in profiles.values()
    ):
        _warn_if_readable(path, warn)
    return values


def _checked(table: dict[str, Any], path: Path, text: str, prefix: str) -> dict[str, str]:
    values: dict[str, str] = {}
    table_name = prefix.rstrip(".")
    for key, value in table.items():
        expected = FILE_KEYS.get(key)
        if expected is None:
            known = ", ".join(FILE_KEYS)
            raise UsageError(
                f"invalid config file {path}, line {_line_of(text, key, table_name)}: "
                f"unknown key {prefix}{key!r} (known: {known})"
            )
        if not isinstance(value, expected):
            raise UsageError(
                f"invalid config file {path}, line {_line_of(text, key, table_name)}: {prefix}{key} must be a string"
            )
        values[key] = value
    return values


def _line_of(text: str, key: str, table: str = "") -> int:
    """Best effort: the line where ``key`` is set, inside ``[table]`` when one is given."""
    start = 0
    if table:
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]", re.MULTILINE).search(text)
        start = header.end() if header else 0
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=|^\s*\[\s*{re.escape(key)}\b", re.MULTILINE)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _warn_if_readable(path: Path, warn: Any) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warn(f"{path} holds an API key and is readable by others; run: chmod 600 {path}")
