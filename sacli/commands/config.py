"""sacli config: every setting with its value and where it came from, and the config file's path.

``show`` takes the same connection and model options as ``stream``, so it shows what a command
given those options would use. Keys are shown only as ``***`` and their last four characters;
header values that may hold a secret are hidden as the debug log hides them, and a password in
the base URL as ``user:***@host``.
"""

from __future__ import annotations

from typing import Any

from sacli.cli.helpformat import PanelledCommand, command_group
from sacli.cli.options import ChatOptions, ConnectionOptions, Json, LogOptions, SpendOptions, options

config_app = command_group("Show the settings and where each came from, or the config file's path.")


@config_app.command("show", cls=PanelledCommand)
@options(conn=ConnectionOptions, chat=ChatOptions, log=LogOptions, spend=SpendOptions)
def show(
    *,
    json: Json = False,
    conn: ConnectionOptions,
    chat: ChatOptions,
    log: LogOptions,
    spend: SpendOptions,
) -> None:
    """Show every setting, its value and where it came from (flag, environment, file:line, profile, default).

    Off a terminal one line per setting: KEY, VALUE and SOURCE, separated by tabs.
    """
    from sacli.term.stdout import Output
    from sacli.term.tables import emit_json, emit_records

    rows = setting_rows(conn, chat, log, spend)
    out = Output()
    if json:
        emit_json(out, rows)
    else:
        columns = [("key", "Key", None), ("value", "Value", None), ("source", "Source", None)]
        shown = [{**row, "value": _shown(row["value"])} for row in rows]
        emit_records(out, shown, columns, free=("value", "source"), keep_end=("source",))


@config_app.command("path", cls=PanelledCommand)
def path() -> None:
    """Print the config file's path (whether or not it exists)."""
    from sacli.settings.configfile import config_path
    from sacli.term.stdout import Output

    Output().write_line(str(config_path()))


def setting_rows(
    conn: ConnectionOptions, chat: ChatOptions, log: LogOptions, spend: SpendOptions
) -> list[dict[str, Any]]:
    from sacli.cli.options import OutputOptions
    from sacli.settings.configfile import apply
    from sacli.settings.declared import SETTINGS, attribute_of
    from sacli.term.stderr import MESSAGES

    out = OutputOptions()  # its --json is this command's own: the output settings come from the file alone
    apply([conn, out], warn=lambda message: None, add_secrets=MESSAGES.add_secrets)
    groups = {name: group for group in (conn, chat, out, log, spend) for name in type(group).__annotations__}
    rows = [{"key": "profile", "value": conn.profile, "source": conn.sources.get("profile") or "not set"}]
    for key, setting in SETTINGS.items():
        name = attribute_of(key)
        group = groups[name]
        if key == "headers":
            value, source = _headers(conn)
        else:
            value = getattr(group, name)
            source = group.sources.get(name, "default")
            if value is None and source == "default":
                source = "not set"
            if setting.secret and isinstance(value, str):
                value = mask(value)
            elif setting.kind == "url" and isinstance(value, str):
                from sacli.api.urls import redact_url

                value = redact_url(value)
        rows.append({"key": key, "value": value, "source": source})
    return rows


def mask(secret: str) -> str:
    return f"***{secret[-4:]}" if len(secret) > 8 else "***"


def _headers(conn: ConnectionOptions) -> tuple[dict[str, str] | None, str]:
    from sacli.api.headers import redact_header
    from sacli.commands.support.connect import headers_of

    headers = headers_of(conn)
    if not headers:
        return None, "not set"
    sources = []
    found = getattr(conn, "file_headers", None)
    if found is not None:
        sources.append(found.where)
    if conn.header:
        sources.append(conn.sources.get("header", "flag --header"))
    return {name: redact_header(name, value) for name, value in headers.items()}, ", ".join(sources)


def _shown(value: Any) -> str:
    import json

    from sacli.settings.values import shown

    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return shown(value)
