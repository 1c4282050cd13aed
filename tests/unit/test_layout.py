"""The package's layers hold: imports only run down, never in a circle, and no module grows past 400 lines.

Every import statement counts, also one inside a function or under ``TYPE_CHECKING``: a lazy
import from a lower layer to a higher one is still a lower layer that knows a higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sacli"
SHARED = "shared"  # sacli/*.py beside entry.py: errors and exit codes
# What each part may import, besides itself. entry.py (the process boundary) may import anything.
ALLOWED: dict[str, set[str]] = {
    SHARED: set(),
    "readers": {SHARED},
    "settings": {"readers", SHARED},
    "store": {"readers", SHARED},
    "term": {"settings", "readers", SHARED},
    "api": {"settings", "readers", SHARED},
    "chat": {"api", "term", "store", "settings", "readers", SHARED},
    "batch": {"chat", "api", "term", "store", "settings", "readers", SHARED},
    "cli": {"term", "store", "settings", "readers", SHARED},
    "commands": {"cli", "batch", "chat", "api", "term", "store", "settings", "readers", SHARED},
}
PARTS = {"readers", "settings", "store", "term", "api", "chat", "batch", "cli", "commands"}
LONGEST = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def part_of(module: str) -> str:
    pieces = module.split(".")
    if len(pieces) > 1 and pieces[1] in PARTS:
        return pieces[1]
    return "entry" if module in ("sacli.entry", "sacli.__main__") else SHARED


def imports_of(module: str) -> set[str]:
    """The sacli modules that ``module`` imports anywhere in its text."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name in MODULES and name != module}
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_import_is_absolute() -> None:
    # The rules read absolute imports only: a relative one would pass them unseen.
    relative = [
        f"{module}:{node.lineno}"
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if part_of(m) != "entry"))
def test_a_module_imports_only_its_own_part_and_the_parts_below(module: str) -> None:
    part = part_of(module)
    wrong = sorted(imported for imported in GRAPH[module] if part_of(imported) not in {part, *ALLOWED[part]})
    assert wrong == [], f"{module} ({part}) may import only {sorted({part, *ALLOWED[part]})}, not {wrong}"


def test_no_imports_run_in_a_circle() -> None:
    def cycle_from(start: str) -> list[str] | None:
        path: list[str] = []
        on_path: set[str] = set()
        done: set[str] = set()

        def visit(module: str) -> list[str] | None:
            if module in on_path:
                return [*path[path.index(module) :], module]
            if module in done:
                return None
            path.append(module)
            on_path.add(module)
            for imported in sorted(GRAPH[module]):
                if found := visit(imported):
                    return found
            path.pop()
            on_path.discard(module)
            done.add(module)
            return None

        return visit(start)

    cycles = [cycle for module in MODULES if (cycle := cycle_from(module))]
    assert cycles == [], f"import circle: {' -> '.join(cycles[0])}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= LONGEST, f"{MODULES[module].relative_to(PACKAGE.parent)} has {lines} lines: split it"


def test_the_rules_see_every_part() -> None:
    # A new folder under sacli/ must get a rule before it can pass unchecked.
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert folders == PARTS


def test_the_architecture_page_names_only_modules_and_functions_that_exist() -> None:
    import re

    def defined_in(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {target.id for target in targets if isinstance(target, ast.Name)}
        return names

    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    named = re.findall(r"`(sacli/[\w/]*\.py|sacli/[\w/]+/)(?::\s*(\w+))?`", page)
    assert len(named) > 20
    for path, function in named:
        target = PACKAGE.parent / path
        assert target.exists(), f"docs/architecture.md names {path}, which does not exist"
        if function:
            assert function in defined_in(target), f"docs/architecture.md names {path}: {function}, not defined there"
    # In the table, a bare `name.py` (or `name/`) is a module of that row's layer.
    for layer, cells in re.findall(r"^\| `sacli/(\w+)/` \|(.*)\|$", page, re.MULTILINE):
        for bare in re.findall(r"`((?:\w+/)*\w+\.py|\w+/)`", cells):
            assert (PACKAGE / layer / bare).exists(), f"docs/architecture.md: sacli/{layer}/ has no {bare}"
    # Steps that name a second function of the same module after a comma: `..., `build_prompt``.
    for path, functions in re.findall(r"`(sacli/[\w/]+\.py): \w+`((?:, `\w+`)+)", page):
        for function in re.findall(r"`(\w+)`", functions):
            assert function in defined_in(PACKAGE.parent / path), f"docs/architecture.md names {path}: {function}"


def test_at_most_five_modules_lie_flat_in_the_package() -> None:
    flat = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "entry.py", "errors.py", "exitcodes.py"]


def _modules_naming(text: str) -> list[str]:
    """The modules whose code (strings and comments included) holds ``text``."""
    return sorted(module for module, path in MODULES.items() if text in path.read_text())


def test_one_module_knows_the_chat_url_and_the_shape_of_a_chunk() -> None:
    assert _modules_naming("/chat/completions") == ["sacli.api.completions"]
    assert _modules_naming('get("delta")') == ["sacli.api.completions"]
