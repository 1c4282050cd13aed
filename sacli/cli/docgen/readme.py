"""The README parts generated from the code (the exit-code table), and its fenced blocks as the tests read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sacli.exitcodes import EXIT_CODES, SIGNAL_NOTE

EXIT_CODES_BLOCK = re.compile(r"(<!-- exit-codes:start -->\n).*?(<!-- exit-codes:end -->)", re.DOTALL)


def exit_code_table_markdown() -> str:
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| {int(code)} | {meaning.replace('|', chr(92) + '|')} |" for code, meaning in EXIT_CODES.items()]
    return "\n".join(rows) + "\n\n" + SIGNAL_NOTE + "\n"


SETTINGS_BLOCK = re.compile(r"(<!-- settings:start -->\n).*?(<!-- settings:end -->)", re.DOTALL)


def settings_table_markdown() -> str:
    from sacli.settings.declared import SETTINGS
    from sacli.settings.values import shown, takes

    rows = ["| config key | flag | environment | takes | default |", "|---|---|---|---|---|"]
    for key, setting in SETTINGS.items():
        env = f"`{setting.env}`" if setting.env else ""
        default = f"`{shown(setting.default)}`" if setting.default is not None else "none"
        rows.append(f"| `{key}` | `{setting.flag}` | {env} | {takes(key)} | {default} |")
    return "\n".join(rows) + "\n"


def render_readme(text: str) -> str:
    text = EXIT_CODES_BLOCK.sub(lambda m: m.group(1) + exit_code_table_markdown() + m.group(2), text)
    return SETTINGS_BLOCK.sub(lambda m: m.group(1) + settings_table_markdown() + m.group(2), text)


@dataclass(frozen=True)
class FencedBlock:
    """A fenced code block of the README: ``info`` is the text after the opening fence."""

    info: str
    code: str
    line: int  # 1-based line of the opening fence
    heading: str  # the nearest heading above it, without its #s
    comment: str  # an HTML comment directly above the fence (``<!-- untested: ... -->``), else ""

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info else ""

    @property
    def tested(self) -> bool:
        return "tested" in self.info.split()[1:]


FENCE = re.compile(r"^(`{3,})(.*)$")


def iter_fenced_blocks(text: str) -> Iterator[FencedBlock]:
    lines = text.split("\n")
    heading = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        match = FENCE.match(line)
        if match is None:
            index += 1
            continue
        fence, info = match.groups()
        above = lines[index - 1].strip() if index else ""
        comment = above if above.startswith("<!--") and above.endswith("-->") else ""
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != fence:
            end += 1
        yield FencedBlock(info.strip(), "\n".join(lines[index + 1 : end]) + "\n", index + 1, heading, comment)
        index = end + 1
