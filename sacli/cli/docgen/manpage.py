"""The man page in roff, from the command tree (every command, subcommand and option) and the README's examples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sacli import __version__
from sacli.cli.defaultgroup import ImpliedGroup
from sacli.cli.docgen.readme import iter_fenced_blocks
from sacli.cli.docgen.roff import roff_escape, roff_inline, roff_line, roff_paragraphs
from sacli.cli.helpformat import option_panels
from sacli.exitcodes import EXIT_CODES, SIGNAL_NOTE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typer._click.core import Command, Context, Parameter

DESCRIPTION = [
    "sacli talks to the Super Agent Stack API, an OpenAI-compatible chat-completions service "
    "(it proxies OpenRouter, so any OpenRouter model ID works) with server-side session memory, "
    "user memory and retrieval over uploaded files (RAG).",
    "It is built for shell scripts and CI jobs as much as for people. Standard output carries only "
    "the product: the answer, IDs, records or JSON. Progress, spinners, warnings and errors go to "
    "standard error, and nothing decorative is printed when standard error is not a terminal. A "
    "reply is written to standard output piece by piece as it arrives, also into a pipe or a file.",
    "Every failure is one line, `sacli: error: MESSAGE (HINT)`, and a distinct exit status (see "
    "EXIT STATUS); there is never a traceback unless `--debug` asks for one. Failed requests are "
    "retried only while nothing has been written, so no output is ever printed twice.",
    "Each setting is taken from the command-line option, else from its environment variable, else "
    "from the configuration file, else from its default (`sacli config show` says which). Every "
    "command takes `-h`, `--help`.",
    "With `--json`, a command that lists writes one JSON array (`[]` when empty); a command that acts "
    "on items one after another (`upload`, `files delete`, `sessions delete`) writes one JSON object "
    "per item as it goes, failed ones included, each with an `error` (`null` or `{message, exit_code}`); "
    "a command that shows or makes one thing writes that object. Objects come out of the API's "
    "envelopes. `stream --json` writes the stream's raw chunks, one per line.",
]

EXTRA_ENVIRONMENT = [
    ("NO_COLOR", "When set (to anything), tables and help are printed without colour."),
    ("TERM", "When `dumb`, no spinner is shown on standard error."),
    (
        "XDG_CONFIG_HOME",
        "Directory of the configuration file: `$XDG_CONFIG_HOME/sacli/config.toml`, "
        "`~/.config/sacli/config.toml` when unset.",
    ),
    (
        "XDG_STATE_HOME",
        "Directory of the state files: `$XDG_STATE_HOME/sacli/`, `~/.local/state/sacli/` when unset.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "Proxies, lower-case names first: an `http://` or `https://` proxy, with `user:password@` "
        "if it needs them (https goes through it with CONNECT), or a `socks5://` or `socks5h://` "
        "one once the socks extra is installed (`pip install 'sacli[socks]'`). `NO_PROXY` lists "
        "hosts reached directly (`example.com` also covers its subdomains; `*` is every host). A "
        "proxy sacli cannot use is a usage error naming its variable.",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "Certificate authorities to trust for https (a PEM file, or a directory prepared with "
        "`openssl rehash`), instead of the system's trust store.",
    ),
]

SEE_ALSO = [
    "The README of sacli, with recipes for scripts and CI jobs.",
    "The Super Agent Stack documentation: https://superagentstack.orionixtech.com",
]


def command_tree() -> Command:
    import typer.main

    from sacli.cli.app import app

    return typer.main.get_command(app)


def _synopsis_piece(piece: str) -> str:
    """``[PROMPT...]`` -> ``[\\fIPROMPT\\fR...]``: metavariables in italics, brackets plain."""
    escaped = roff_escape(piece)
    return re.sub(r"[A-Za-z0-9_=:,]+(?:\\-[A-Za-z0-9_]+)*", lambda m: f"\\fI{m.group()}\\fR", escaped)


def _type_metavar(param: Parameter) -> str:
    choices = getattr(param.type, "choices", None)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    name = param.type.name
    for prefix, metavar in (("int", "INTEGER"), ("float", "NUMBER"), ("bool", "BOOLEAN")):
        if name.startswith(prefix):
            return metavar
    return {"str": "TEXT", "text": "TEXT"}.get(name, name.upper())


def _range(param: Parameter) -> str:
    low, high = getattr(param.type, "min", None), getattr(param.type, "max", None)
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None:
        return f"more than {low}" if param.type.min_open else f"at least {low}"  # type: ignore[attr-defined]
    if high is not None:
        return f"less than {high}" if param.type.max_open else f"at most {high}"  # type: ignore[attr-defined]
    return ""


_HELP_DEFAULT = re.compile(r"\s*\[default: ([^\]]*)\]\s*$")


def _option_lines(param: Any) -> list[str]:
    """One ``.TP`` entry: all names, the metavariable, help, range, default, environment variable."""
    names = sorted(param.opts, key=lambda opt: (len(opt) - len(opt.lstrip("-")), opt)) + list(param.secondary_opts)
    head = ", ".join(f"\\fB{roff_escape(name)}\\fR" for name in names)
    if not param.is_flag:
        metavar = param.metavar or _type_metavar(param)
        head += f" \\fI{roff_escape(metavar)}\\fR"
        if param.multiple and "repeatable" not in (param.help or ""):
            head += " (repeatable)"
    help_text = param.help or ""
    default = ""
    match = _HELP_DEFAULT.search(help_text)
    if match:
        help_text, default = help_text[: match.start()], match.group(1)
    elif param.show_default is not False and param.default not in (None, (), []) and not param.is_flag:
        default = str(getattr(param.default, "value", param.default))
    if isinstance(param.show_default, str):
        default = param.show_default
    body = [roff_line(roff_inline(" ".join(help_text.split())))] if help_text.strip() else []
    details = []
    if value_range := _range(param):
        details.append(f"Range: {roff_escape(value_range)}")
    if default:
        details.append(f"Default: {roff_escape(default)}")
    envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or ())
    if envvars:
        details.append("Environment: " + ", ".join(f"\\fB{roff_escape(v)}\\fR" for v in envvars))
    if param.required:
        details.append("Required.")
    for detail in details:
        body += [".br"] if body else []
        body.append(detail)
    return [".TP", roff_line(head), *body]


def _argument_lines(param: Any, ctx: Context) -> list[str]:
    metavar = param.make_metavar(ctx)
    bare = re.sub(r"^\[(.*)\](\.\.\.)?$", r"\1\2", metavar.strip())  # [PROMPT]... -> PROMPT...
    lines = [".TP", roff_line(_synopsis_piece(bare))]
    if getattr(param, "help", None):
        lines.append(roff_line(roff_inline(" ".join(param.help.split()))))
    return lines


@dataclass
class Entry:
    """One command of the tree with its context and option panels (panel name -> roff lines)."""

    path: str
    command: Command
    ctx: Context
    panels: dict[str, list[str]]
    subcommands: list[str]  # the names of the commands under it, without its path


def _is_group(command: Command) -> bool:
    return hasattr(command, "list_commands")


def _iter_commands(command: Command, ctx: Context, path: str) -> Iterator[Entry]:
    from typer._click import core as click

    for name in command.list_commands(ctx):  # type: ignore[attr-defined]
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        if sub is None or sub.hidden:
            continue
        sub_ctx = click.Context(sub, info_name=name, parent=ctx, **sub.context_settings)
        sub_path = f"{path} {name}".strip()
        if isinstance(sub, ImpliedGroup):  # sacli batch [OPTIONS] [FILE]: the default command is the group's
            implied = sub.implied()
            implied_ctx = implied.context_class(implied, info_name=name, parent=ctx, **implied.context_settings)
            others = [other for other, _ in sub.others(sub_ctx)]
            yield Entry(sub_path, implied, implied_ctx, _panels(implied), others)
        else:
            yield Entry(sub_path, sub, sub_ctx, _panels(sub), _subcommands(sub, sub_ctx))
        if _is_group(sub):
            yield from _iter_commands(sub, sub_ctx, sub_path)


def _subcommands(command: Command, ctx: Context) -> list[str]:
    if not _is_group(command):
        return []
    names = command.list_commands(ctx)  # type: ignore[attr-defined]
    return [name for name in names if not command.get_command(ctx, name).hidden]  # type: ignore[attr-defined]


def _panels(command: Command) -> dict[str, list[str]]:
    """The option lines under each panel, as --help groups them."""
    return {
        panel: [line for option in options for line in _option_lines(option)]
        for panel, options in option_panels(command.params).items()
    }


def _shared_panels(entries: list[Entry]) -> dict[str, list[str]]:
    """Panels that two or more commands have, identical in each: documented once."""
    seen: dict[str, list[list[str]]] = {}
    for entry in entries:
        for panel, lines in entry.panels.items():
            seen.setdefault(panel, []).append(lines)
    return {
        panel: variants[0]
        for panel, variants in seen.items()
        if panel != "Options" and len(variants) > 1 and all(v == variants[0] for v in variants)
    }


def _usage(entry: Entry) -> str:
    pieces = entry.command.collect_usage_pieces(entry.ctx)
    return " ".join(_synopsis_piece(piece) for piece in pieces)


def _man_examples(commands: list[str], readme: str) -> list[str]:
    """The README's tested shell examples: its Quick start, then ``### sacli COMMAND`` for each command."""
    lines: list[str] = []
    for block in iter_fenced_blocks(readme):
        path = block.heading.removeprefix("sacli ").strip()
        wanted = block.heading == "Quick start" or (block.heading.startswith("sacli ") and path in commands)
        if not (wanted and block.language == "sh" and block.tested):
            continue
        lines += [".PP", ".RS 4", ".nf"]
        # an empty line would be a blank line of source: .sp says the same without one
        lines += [roff_line(roff_escape(row)) if row else ".sp" for row in block.code.rstrip("\n").split("\n")]
        lines += [".fi", ".RE"]
    return lines


def render_man(readme: str) -> str:
    """The man page; ``readme`` is the README's text, whose tested examples become its EXAMPLES."""
    from typer._click import core as click

    root = command_tree()
    root_ctx = click.Context(root, info_name="sacli", **root.context_settings)
    entries = list(_iter_commands(root, root_ctx, ""))
    shared = _shared_panels(entries)

    summary = (root.help or "").strip().split("\n")[0]
    name_line = summary.split(": ")[0].rstrip(".")
    name_line = name_line[:1].lower() + name_line[1:]
    out = [
        f'.\\" Man page for sacli {__version__}, generated by `python -m sacli.cli.docgen` from the command tree.',
        '.\\" Do not edit: change the code (or the README examples) and regenerate.',
        f'.TH SACLI 1 "" "sacli {roff_escape(__version__)}" "User Commands"',
        ".nh",  # never hyphenate: options and URLs must stay whole
        ".ad l",
        ".SH NAME",
        f"sacli \\- {roff_escape(name_line)}",
        ".SH SYNOPSIS",
        f".B sacli\n{_usage(Entry('', root, root_ctx, {}, []))}",
    ]
    for entry in entries:
        if not _is_group(entry.command):
            out += [".br", f".B sacli {roff_escape(entry.path)}", _usage(entry)]

    out += [".SH DESCRIPTION", *roff_paragraphs(root.help or "")]
    for paragraph in DESCRIPTION:
        out += roff_paragraphs(paragraph)

    out.append(".SH OPTIONS")
    options = [p for p in root.get_params(root_ctx) if p.param_type_name == "option" and not p.hidden]  # type: ignore[attr-defined]
    for param in options:
        out += _option_lines(param)

    out.append(".SH COMMANDS")
    for entry in entries:
        out += [f'.SS "sacli {roff_escape(entry.path)}"', f".B sacli {roff_escape(entry.path)}", _usage(entry)]
        out += roff_paragraphs(entry.command.help or entry.command.short_help or "")
        if entry.subcommands:
            names = [f"\\fBsacli {roff_escape(entry.path)} {roff_escape(n)}\\fR" for n in entry.subcommands]
            out += [".PP", "Subcommands: " + ", ".join(names) + "."]
        arguments = [p for p in entry.command.params if p.param_type_name == "argument" and not p.hidden]  # type: ignore[attr-defined]
        if arguments:
            out += [".PP", "Arguments:"]
            for param in arguments:
                out += _argument_lines(param, entry.ctx)
        own = {panel: lines for panel, lines in entry.panels.items() if panel not in shared}
        for panel, lines in own.items():
            title = "Options" if panel == "Options" else f"{panel} options"
            out += [".PP", f"{roff_escape(title)}:", *lines]
        common = [panel for panel in entry.panels if panel in shared]
        if common:
            listed = ", ".join(f"\\fI{roff_escape(panel)}\\fR" for panel in common)
            out += [".PP", f"It also takes the shared options: {listed} (see SHARED OPTIONS)."]
        if entry.command.epilog:
            out += roff_paragraphs(entry.command.epilog)

    if shared:
        out.append(".SH SHARED OPTIONS")
        for panel, lines in shared.items():
            out += [f'.SS "{roff_escape(panel)}"', *lines]

    out.append(".SH EXIT STATUS")
    for code, meaning in EXIT_CODES.items():
        out += [".TP", f".B {int(code)}", roff_line(roff_inline(meaning))]
    out += roff_paragraphs(SIGNAL_NOTE)

    out.append(".SH ENVIRONMENT")
    documented: set[str] = set()
    for param in [*options, *(p for e in entries for p in e.command.params)]:
        envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or ())
        for var in envvars:
            if var in documented:
                continue
            documented.add(var)
            name = max(param.opts, key=len)
            help_text = _HELP_DEFAULT.sub("", param.help or "").strip()
            if param.is_flag:
                text = f"Turns on `{name}` when set to `1`, `true`, `yes` or `on` and the option is not given."
            else:
                text = f"The value of `{name}` when the option is not given."
            text += f" {help_text}" if help_text else ""
            out += [".TP", f".B {roff_escape(var)}", roff_line(roff_inline(text))]
    for var, text in EXTRA_ENVIRONMENT:
        if var not in documented:
            out += [".TP", f".B {roff_escape(var)}", roff_line(roff_inline(text))]

    from sacli.settings.declared import SETTINGS

    keys = ", ".join(f"`{key}`" for key in SETTINGS)
    out += [
        ".SH FILES",
        ".TP",
        ".I $XDG_CONFIG_HOME/sacli/config.toml",
        roff_inline(
            f"The configuration file (`~/.config/sacli/config.toml` when `XDG_CONFIG_HOME` is unset), TOML. "
            f"Its top-level keys ({keys}) apply always; a `[profiles.NAME]` table with the same keys "
            "overrides them when chosen with `--profile NAME` or `SACLI_PROFILE`. Each key takes what "
            "its option takes (`headers` is a table of header names and values); a bad value is a usage "
            "error naming the file and the line, an unknown key a warning. `sacli config show` lists every "
            "setting and where it came from. sacli warns when a file holding a key is readable by others: "
            "`chmod 600` it."
        ),
        ".TP",
        ".I $XDG_STATE_HOME/sacli/history",
        roff_inline(
            "The line-editing history of `sacli chat` (`~/.local/state/sacli/history` when `XDG_STATE_HOME` is unset)."
        ),
        ".TP",
        ".I $XDG_STATE_HOME/sacli/last\\-session",
        roff_inline(
            "The session `-c/--continue` uses: the one sacli last used or created, written once the server "
            "has accepted a request with it."
        ),
        ".TP",
        ".I $XDG_DATA_HOME/sacli/logs.db",
        roff_inline(
            "The local log (`~/.local/share/sacli/logs.db` when `XDG_DATA_HOME` is unset), SQLite, mode 600: "
            'one row per exchange, read with `sacli logs` or `sqlite3 "$(sacli logs path)"`. `--log-db`, '
            "`SACLI_LOG_DB` or `log_db` put it elsewhere; `--no-log` keeps a run out of it. Keys and passwords "
            "are never stored."
        ),
        ".TP",
        ".I $XDG_CACHE_HOME/sacli/models.json",
        roff_inline(
            "The list `sacli models` fetched (`~/.cache/sacli/models.json` when `XDG_CACHE_HOME` is unset), "
            "used for a day and for TAB completion of `-m`."
        ),
    ]

    examples = _man_examples([e.path for e in entries], readme)
    if examples:
        out += [".SH EXAMPLES", *examples]

    out.append(".SH SEE ALSO")
    out += [".BR jq (1),", ".BR bash (1)"]
    for paragraph in SEE_ALSO:
        out += roff_paragraphs(paragraph)
    return "\n".join(out) + "\n"
