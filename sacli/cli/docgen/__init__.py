"""Documentation generated from the code: ``python -m sacli.cli.docgen`` rewrites what it owns.

- ``README.md``: the exit-code table between its ``exit-codes`` markers, from ``sacli.exitcodes``;
- ``completions/sacli.bash``, ``_sacli``, ``sacli.fish``: the scripts ``_SACLI_COMPLETE=source_<shell>
  sacli`` prints (shims that ask sacli on every TAB, see ``sacli.cli.completion``);
- ``man/sacli.1``: roff written from the command tree (``typer.main.get_command``), so every
  command, subcommand and option there is documented; its EXAMPLES are the tested shell
  examples of the README's Quick start and of its ``### sacli COMMAND`` sections (for the
  commands that exist).

The output depends on nothing but the code and the README: no date, no paths, no terminal.
The test suite regenerates everything and fails on any difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sacli.cli.docgen.manpage import render_man
from sacli.cli.docgen.readme import render_readme

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
MAN_PAGE = ROOT / "man" / "sacli.1"
COMPLETIONS = {
    "bash": ROOT / "completions" / "sacli.bash",
    "zsh": ROOT / "completions" / "_sacli",
    "fish": ROOT / "completions" / "sacli.fish",
}


def render_completion(shell: str) -> str:
    from sacli.cli.completion import completion_script

    return completion_script(shell)


def generated_files() -> dict[Path, str]:
    """Every file this module owns, with the content it should have."""
    files = {README: render_readme(README.read_text())}
    files.update({path: render_completion(shell) for shell, path in COMPLETIONS.items()})
    files[MAN_PAGE] = render_man(files[README])
    return files


def main() -> int:
    for path, content in generated_files().items():
        if not path.exists() or path.read_text() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            print(f"updated {path.relative_to(ROOT)}", file=sys.stderr)
    return 0
