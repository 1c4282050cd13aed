"""Settings: command-line flag > environment > config file > default, and where each value came from.

Typer has applied flag > environment (each option names its variable, and the option groups
record which of the two gave a value); ``apply`` fills what is still unset from
``$XDG_CONFIG_HOME/sacli/config.toml`` (top-level keys, then the chosen ``[profiles.NAME]``
table over them), then from the defaults (sacli.settings.declared). A value in the file is checked as
its flag checks it: a bad one is a usage error naming the file and the line; an unknown key
is a warning naming them, and the command runs.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from sacli.errors import UsageError
from sacli.readers.localfiles import TooLarge, read_bounded
from sacli.settings.declared import SETTINGS, attribute_of
from sacli.settings.values import check

Warn = Callable[[str], None]
CONFIG_FILE_LIMIT = 1024 * 1024


def config_path() -> Path:
    from xdg_base_dirs import xdg_config_home

    return xdg_config_home() / "sacli" / "config.toml"


class FileValue(NamedTuple):
    value: Any
    where: str  # "PATH:LINE", or "profile NAME (PATH:LINE)"
    from_profile: bool


def apply(groups: Iterable[Any], *, warn: Warn, add_secrets: Callable[[tuple[str, ...]], None]) -> None:
    """Fill each option group's unset settings from the config file, then from the defaults.

    Each group's ``sources`` maps an attribute to where its value came from ("flag --model",
    "env SACLI_MODEL", "PATH:LINE", "profile NAME (PATH:LINE)", "default").
    """
    members = {name: group for group in groups for name in type(group).__annotations__}
    # Keys given as flags or in the environment are secrets before anything can go wrong with the file.
    add_secrets(
        tuple(getattr(members[k], k) for k in ("api_key", "super_agent_key") if k in members and getattr(members[k], k))
    )
    profile = getattr(members["profile"], "profile", None) if "profile" in members else None
    from_file = load_file(config_path(), profile, warn)
    for key, setting in SETTINGS.items():
        name = attribute_of(key)
        group = members.get(name)
        if group is None:
            continue
        given = group.sources.get(name)
        found = from_file.get(key)
        if key == "headers":
            if found is not None:
                group.file_headers = found
            continue
        if given is not None:
            if found is not None and found.from_profile and given.startswith("env "):
                warn(f"{given[4:]} overrides {key} of {found.where}; unset it to use the profile's")
            continue
        if found is not None:
            setattr(group, name, found.value)
            group.sources[name] = found.where
        else:
            setattr(group, name, setting.default)
            group.sources[name] = "default"
    add_secrets(tuple(f.value for k, f in from_file.items() if SETTINGS[k].secret and f.value))


def load_file(path: Path, profile: str | None, warn: Warn) -> dict[str, FileValue]:
    """The file's settings for ``profile`` ({} when there is no file and no profile asked for)."""
    try:
        raw = read_bounded(str(path), CONFIG_FILE_LIMIT)
    except TooLarge as exc:
        raise UsageError(f"invalid config file {path}: {exc}") from None
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
    except RecursionError:
        raise UsageError(f"invalid config file {path}: arrays or tables are nested too deep") from None

    profiles = document.pop("profiles", {})
    if not isinstance(profiles, dict):
        raise UsageError(f"invalid config file {path}, line {_line_of(text, 'profiles')}: 'profiles' must be a table")
    values = _checked(document, path, text, None, warn)
    if profile:
        chosen = profiles.get(profile)
        if not isinstance(chosen, dict):
            known = ", ".join(sorted(profiles)) or "none"
            raise UsageError(f"no profile {profile!r} in {path} (profiles: {known})")
        values.update(_checked(chosen, path, text, profile, warn))
    if any(SETTINGS[key].secret for key in values) or any(
        isinstance(p, dict) and any(k in p and SETTINGS[k].secret for k in SETTINGS) for p in profiles.values()
    ):
        _warn_if_readable(path, warn)
    return values


def _checked(table: dict[str, Any], path: Path, text: str, profile: str | None, warn: Warn) -> dict[str, FileValue]:
    values: dict[str, FileValue] = {}
    section = f"profiles.{profile}" if profile else ""
    prefix = f"{section}." if section else ""
    for key, value in table.items():
        line = _line_of(text, key, section)
        if key not in SETTINGS:
            import difflib

            close = difflib.get_close_matches(key, SETTINGS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warn(f"config file {path}, line {line}: unknown key {prefix + key!r} ignored{hint}")
            continue
        problem = check(key, value)
        if problem is not None:
            raise UsageError(f"invalid config file {path}, line {line}: {prefix}{key} {problem}")
        where = f"{path}:{line}"
        values[key] = FileValue(value, f"profile {profile} ({where})" if profile else where, profile is not None)
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


def _warn_if_readable(path: Path, warn: Warn) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warn(f"{path} holds an API key and is readable by others; run: chmod 600 {path}")
