"""The generated documentation agrees with the code, renders cleanly and ships in the wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sacli import __version__
from sacli.cli.defaultgroup import ImpliedGroup
from sacli.cli.docgen import COMPLETIONS, MAN_PAGE, ROOT, generated_files
from sacli.cli.docgen.manpage import command_tree, render_man
from sacli.cli.docgen.roff import roff_escape, roff_paragraphs
from sacli.exitcodes import EXIT_CODES
from tests.support.helpers import needs_tool, run

REGENERATE = "run `python -m sacli.cli.docgen` and commit the result"
GENERATED = generated_files()


@pytest.mark.parametrize("path", list(GENERATED), ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_file_is_up_to_date(path: Path) -> None:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: {REGENERATE}"
    assert path.read_text() == GENERATED[path], f"{path.relative_to(ROOT)} is stale: {REGENERATE}"


def test_generation_is_deterministic_and_machine_independent() -> None:
    again = generated_files()
    assert again == GENERATED
    for path, content in GENERATED.items():
        assert str(ROOT) not in content and sys.prefix not in content, path


@pytest.mark.parametrize("shell", list(COMPLETIONS))
def test_completion_files_are_what_sacli_prints(shell: str, env: dict[str, str]) -> None:
    result = run(env={**env, "_SACLI_COMPLETE": f"source_{shell}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() + "\n" == COMPLETIONS[shell].read_text()


# The man page -----------------------------------------------------------------------------------


def _walk(command, path=()):  # type: ignore[no-untyped-def]
    yield path, command
    if isinstance(command, ImpliedGroup):  # sacli batch [OPTIONS] [FILE]: its options are the group's
        yield path, command.implied()
    for name in _visible(command):
        yield from _walk(command.get_command(None, name), (*path, name))


def _visible(command) -> list[str]:  # type: ignore[no-untyped-def]
    names = getattr(command, "list_commands", lambda ctx: [])(None)
    return [name for name in names if not command.get_command(None, name).hidden]


def test_man_page_documents_every_command_option_and_variable() -> None:
    page = MAN_PAGE.read_text()
    commands = list(_walk(command_tree()))
    assert len(commands) >= 2
    for path, command in commands:
        if path:
            assert f'.SS "sacli {roff_escape(" ".join(path))}"' in page, path
        for param in command.params:
            if param.hidden:
                continue
            for name in [*param.opts, *getattr(param, "secondary_opts", [])]:
                if param.param_type_name == "option":
                    assert f"\\fB{roff_escape(name)}\\fR" in page, (path, name)
            envvar = getattr(param, "envvar", None)
            if envvar:
                assert f".B {envvar}" in page and f"Environment: \\fB{roff_escape(envvar)}\\fR" in page
    for code in EXIT_CODES:
        assert f".B {int(code)}\n" in page
    for variable in ("OPENROUTER_KEY", "SUPER_AGENT_KEY", "SACLI_BASE_URL", "SACLI_MODEL", "SACLI_PROFILE"):
        assert f".B {variable}\n" in page
    for variable in ("SACLI_DEBUG", "NO_COLOR", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        assert f".B {variable}\n" in page
    assert f'"sacli {__version__}"' in page


def _section_names(page: str) -> list[str]:
    return [line.removeprefix(".SH ").strip('"') for line in page.splitlines() if line.startswith(".SH ")]


def test_man_page_has_the_standard_sections_in_order() -> None:
    sections = _section_names(MAN_PAGE.read_text())
    expected = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES"]
    expected += ["EXAMPLES", "SEE ALSO"]
    assert [s for s in sections if s != "SHARED OPTIONS"] == expected


def test_man_examples_come_from_the_readme_tested_command_examples() -> None:
    readme = "### sacli stream\n\n```sh tested\nsacli stream 'a.b' -x\n```\n\n```sh\nnot tested\n```\n"
    readme += "### sacli nonexistent\n\n```sh tested\nsacli nonexistent\n```\n"
    page = render_man(readme)
    examples = page.split(".SH EXAMPLES\n", 1)[1].split(".SH ", 1)[0]
    assert examples == ".PP\n.RS 4\n.nf\nsacli stream \\(aqa.b\\(aq \\-x\n.fi\n.RE\n"


GROFF = shutil.which("groff")
needs_groff = needs_tool("groff")


def _groff(source: str, *options: str) -> subprocess.CompletedProcess[str]:
    assert GROFF
    return subprocess.run(
        [GROFF, "-man", "-Tutf8", "-ww", *options],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_groff
def test_groff_reports_warnings_on_stderr() -> None:
    # What the two tests below rely on: a mistake in the source shows up on stderr.
    result = _groff('.TH X 1 "" "" ""\n.SH NAME\n.FOO bar\n', "-z")
    assert "warning" in result.stderr


@needs_groff
def test_man_page_renders_without_groff_warnings() -> None:
    result = _groff(MAN_PAGE.read_text(), "-z")
    assert (result.returncode, result.stderr) == (0, "")


@needs_tool("man")
@needs_groff
def test_man_page_renders_with_man_without_warnings() -> None:
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "", "MANPAGER": "cat", "PAGER": "cat"}
    result = subprocess.run(
        ["man", "--warnings", "-l", str(MAN_PAGE)], capture_output=True, text=True, env=env, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")
    text = result.stdout
    for heading in ("NAME", "SYNOPSIS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"):
        assert f"\n{heading}\n" in text
    assert "sacli stream [OPTIONS] [PROMPT...]" in text
    assert "--no-user-memory" in text


def test_man_page_has_no_bare_hyphens() -> None:
    # A bare "-" may render as U+2010 HYPHEN, which breaks options, URLs and commands copied
    # from the page (Debian maps it back to ASCII, other systems do not): always write \-.
    source = [line for line in MAN_PAGE.read_text().splitlines() if not line.startswith('.\\"')]
    bare = [line for line in source if re.search(r"(?<!\\)-", line)]
    assert bare == []


@needs_groff
def test_tricky_help_text_comes_out_literally() -> None:
    text = (
        ".starts with a dot\n\n'starts with an apostrophe\n\n"
        'back\\slash, --double-dash, `code`, "quotes", café \u2014 done\n\n- one\n- two'
    )
    source = '.TH X 1 "" "" ""\n.SH DESCRIPTION\n' + "\n".join(roff_paragraphs(text)) + "\n"
    result = _groff(source, "-P-cbou")
    assert result.stderr == ""
    out = " ".join(result.stdout.split())
    assert ".starts with a dot" in out
    assert "'starts with an apostrophe" in out
    assert 'back\\slash, --double-dash, code, "quotes", café \u2014 done' in out
    assert "\u2022 one" in out and "\u2022 two" in out


def test_roff_escaping() -> None:
    assert roff_escape("--no-stdin") == "\\-\\-no\\-stdin"
    assert roff_escape("a\\b") == "a\\eb"
    assert roff_escape("it's") == "it\\(aqs"
    assert roff_escape("é") == "\\[u00E9]"
    assert roff_paragraphs(".x\n\n'y") == [".PP", "\\&.x", ".PP", "\\(aqy"]


# --help ---------------------------------------------------------------------------------------


def test_help_lists_every_command_and_option(env: dict[str, str]) -> None:
    for path, command in _walk(command_tree()):
        result = run(*path, "--help", env={**env, "COLUMNS": "200"})
        assert result.returncode == 0, (path, result.stderr)
        out = result.stdout.decode()
        for name in _visible(command):
            assert f"\n  {name} " in out, (path, name)
        for param in command.params:
            if param.param_type_name == "option" and not param.hidden:
                assert all(name in out for name in param.opts), (path, param.opts)


# The wheel ------------------------------------------------------------------------------------

SHARED_DATA = {
    "share/man/man1/sacli.1": MAN_PAGE,
    "share/bash-completion/completions/sacli": COMPLETIONS["bash"],
    "share/zsh/site-functions/_sacli": COMPLETIONS["zsh"],
    "share/fish/vendor_completions.d/sacli.fish": COMPLETIONS["fish"],
}


def test_wheel_installs_the_man_page_and_completions(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("sacli-*.whl")
    data = f"sacli-{__version__}.data/data/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        record = archive.read(f"sacli-{__version__}.dist-info/RECORD").decode()
        for installed, source in SHARED_DATA.items():
            assert data + installed in names, installed
            assert f"{data}{installed}," in record, installed
            assert archive.read(data + installed) == source.read_bytes(), installed


# --help -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 50])
def test_no_help_cuts_or_splits_a_word(columns: int, env: dict[str, str]) -> None:
    # rich ended a word that did not fit its column with "…"; click's wrapper split an option's name
    # mentioned in a text at its hyphens (--max- / cost-item).
    for path, _ in _walk(command_tree()):
        result = run(*path, "--help", env={**env, "COLUMNS": str(columns)})
        assert result.returncode == 0, path
        lines = result.stdout.decode().splitlines()
        cut = [line for line in lines if "…" in line or re.search(r"[A-Za-z]-$", line)]
        assert cut == [], (path, cut)
        assert all(len(line) <= columns for line in lines if " " in line.strip()), path


def test_usage_lines_show_required_arguments_bare_and_no_summary_is_cut(env: dict[str, str]) -> None:
    for path, command in _walk(command_tree()):
        out = run(*path, "--help", env={**env, "COLUMNS": "80"}).stdout.decode()
        usage = out.splitlines()[0]
        assert "{" not in usage, usage  # Typer's {FILE...}
        if getattr(command, "list_commands", None) is None:
            continue
        listed = out.split("\nCommands:\n", 1)[1]
        assert "..." not in listed, (path, listed)
        for name in _visible(command):
            first_paragraph = command.get_command(None, name).help.split("\n\n", 1)[0]
            assert first_paragraph.split()[-1] in listed, (path, name)  # the summary's last word
