"""Commands load only when used: start-up and completion never pay for the others."""

from __future__ import annotations

import json
import subprocess
import sys

from sacli.cli.app import COMMANDS
from sacli.cli.lazygroup import build


def modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=60).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_imports_no_command_no_network_code_and_no_rich() -> None:
    loaded = modules_after("import sacli.cli.app")
    assert not {"sacli.api.transport", "httpx2", "httpcore2", "socket", "rich"} & loaded
    assert not [m for m in loaded if m.startswith("sacli.commands.")]


def test_running_one_command_imports_no_other_and_no_rich() -> None:
    code = (
        "from sacli.entry import run\n"
        "run(['stream', '--no-stdin', '--retries', '0', '--api-key', 'k', '--base-url', 'http://127.0.0.1:9/v1', 'x'])"
    )
    loaded = modules_after(code)
    command_modules = {spec.target.partition(":")[0] for spec in COMMANDS.values()}
    assert command_modules & loaded == {"sacli.commands.stream"}
    assert {"sacli.api.transport", "httpx2"} <= loaded  # it did get as far as the network
    assert not [m for m in loaded if m.split(".")[0] in ("rich", "pygments", "click")]


def test_help_and_version_import_neither_rich_nor_the_http_stack() -> None:
    for args in (["--help"], ["stream", "--help"], ["sessions", "list", "--help"], ["--version"]):
        code = f"from sacli.entry import run\ntry:\n    run({args!r})\nexcept SystemExit:\n    pass"
        loaded = modules_after(code)
        assert not [m for m in loaded if m.split(".")[0] in ("rich", "pygments", "httpx2", "httpcore2")], args
        if args in (["--help"], ["--version"]):  # the root's help lists the commands from the table
            assert not [m for m in loaded if m.startswith(("sacli.commands.", "sacli.api."))], args


def test_a_usage_error_is_found_before_the_http_stack_is_imported() -> None:
    code = "from sacli.entry import run\nrun(['stream', '--no-stdin', '--api-key', 'k', ''])"
    loaded = modules_after(code)
    assert not {"sacli.api.transport", "httpx2", "httpcore2", "h11"} & loaded


def test_the_table_help_is_each_commands_own_help() -> None:
    for name, spec in COMMANDS.items():
        command = build(name, spec)
        assert command.get_short_help_str(limit=300) == spec.short_help, name


def test_only_the_http_modules_import_httpx2() -> None:
    """transport.py (the client, retries, errors), tapedeck.py (record and replay, which speak
    httpx2's transport interface) and headerclock.py (the bound on a reply's head, at httpcore2's
    network interface): nothing else knows the HTTP library."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[3] / "sacli"
    importers = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("httpx2", "httpcore2", "h11") for name in names):
                importers.append(path.relative_to(package).as_posix())
    assert sorted(set(importers)) == ["api/headerclock.py", "api/tapedeck.py", "api/transport.py"]
