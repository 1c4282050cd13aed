"""TAB completion in real shells, with the scripts of completions/ and the installed sacli.

Each shell loads the generated script the way a user's set-up does and completes a line; the
expected words come from the command tree, so the tests follow whatever commands exist:
``sacli st`` -> ``stream``, ``sacli `` -> every command, ``sacli GROUP `` -> its subcommands
(``sacli sessions `` once that group exists), ``sacli stream --no-`` -> the ``--no-`` options.

- bash: source the script, then call the function ``complete -p sacli`` names with COMP_WORDS,
  COMP_CWORD, COMP_LINE and COMP_POINT set, as readline would, and print COMPREPLY;
- zsh: an interactive ``zsh -f`` on a pseudo-terminal runs the real completion system
  (compinit, the script autoloaded from $fpath or sourced); ``compadd`` is wrapped to record
  the matches, and the shell exits as soon as the completion is done;
- fish: ``complete -C LINE`` after sourcing the script.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sacli.cli.docgen import COMPLETIONS
from sacli.cli.docgen.manpage import command_tree
from tests.support.helpers import SACLI, needs_tool, run

TIMEOUT = 30


def _tree() -> dict[tuple[str, ...], object]:
    commands: dict[tuple[str, ...], object] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        commands[path] = command
        for name in getattr(command, "list_commands", lambda ctx: [])(None):
            sub = command.get_command(None, name)  # type: ignore[attr-defined]
            if not sub.hidden:
                walk(sub, (*path, name))

    walk(command_tree(), ())
    return commands


TREE = _tree()
GROUPS = {path: cmd for path, cmd in TREE.items() if hasattr(cmd, "list_commands")}


def subcommands(path: tuple[str, ...]) -> set[str]:
    return {name[-1] for name in TREE if len(name) == len(path) + 1 and name[: len(path)] == path}


def options_of(path: tuple[str, ...], prefix: str) -> set[str]:
    names: set[str] = set()
    for param in TREE[path].params:  # type: ignore[attr-defined]
        if param.param_type_name == "option" and not param.hidden:
            names.update(n for n in [*param.opts, *param.secondary_opts] if n.startswith(prefix))
    return names | ({"--help"} if "--help".startswith(prefix) else set())


def cases() -> list[tuple[str, set[str]]]:
    """(line, expected completions): the issue's three, then every group's subcommands."""
    found = [
        ("sacli st", {name for name in subcommands(()) if name.startswith("st")}),
        ("sacli stream --no-", options_of(("stream",), "--no-")),
        ("sacli stream --", options_of(("stream",), "--")),  # every help text passes the shell's quoting
    ]
    found += [(" ".join(("sacli", *path)) + " ", subcommands(path)) for path in GROUPS]
    return found


def test_the_cases_cover_what_the_issue_asks() -> None:
    lines = dict(cases())
    assert lines["sacli st"] == {"stream"}
    assert {"--no-stream", "--no-newline", "--no-stdin"} <= lines["sacli stream --no-"]
    assert "stream" in lines["sacli "]
    if ("sessions",) in TREE:
        assert lines["sacli sessions "], "sacli sessions has no subcommands to complete"


def shell_env(tmp_path: Path) -> dict[str, str]:
    """No user start-up files; the venv's sacli first on PATH."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_SACLI", "_TYPER", "COMP_", "SACLI_"))}
    env.update(
        HOME=str(home),
        ZDOTDIR=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        PATH=os.pathsep.join([str(Path(SACLI).parent), os.environ.get("PATH", "")]),
        TERM="dumb",
    )
    return env


def test_the_shells_find_the_venv_sacli(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", "command -v sacli"],
        env=shell_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.stdout.strip() == SACLI


# bash -------------------------------------------------------------------------------------------

BASH_DRIVER = r"""
if [[ $1 == eval ]]; then eval "$(_SACLI_COMPLETE=source_bash sacli)"; else source "$1"; fi
line=$2
spec=$(complete -p sacli) || exit 3
func=${spec##*-F }
func=${func%% *}
read -r -a COMP_WORDS <<< "$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$line
COMP_POINT=${#line}
"$func" sacli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(
    line: str, tmp_path: Path, *, how: str = "source", extra_env: dict[str, str] | None = None
) -> list[str]:
    """Complete ``line`` with the script sourced from completions/, or with ``eval "$(...)"``."""
    script = "eval" if how == "eval" else str(COMPLETIONS["bash"])
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "driver", script, line],
        env={**shell_env(tmp_path), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(("line", "expected"), cases(), ids=[line for line, _ in cases()])
def test_bash(line: str, expected: set[str], tmp_path: Path) -> None:
    assert set(bash_complete(line, tmp_path)) == expected


def test_bash_eval_of_what_sacli_prints(tmp_path: Path) -> None:
    assert bash_complete("sacli st", tmp_path, how="eval") == ["stream"]


# zsh --------------------------------------------------------------------------------------------

ZSH = shutil.which("zsh")
ZSH_SETUP = r"""
PS1='' PROMPT='' RPROMPT=''
fpath=(%(fpath)s $fpath)
autoload -Uz compinit && compinit -u -D
%(load)s
zstyle ':completion:*' insert-tab false
bindkey '^I' complete-word
compadd() {
  # the completion system's own queries (-O, -A, -D) pass through; real matches are recorded
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits
  builtin compadd -A hits "$@"
  (( $#hits )) && print -rl -- $hits >> %(out)s
  builtin compadd "$@"
}
_sacli_test_done() { print -r -- '--done--' >> %(out)s; exit 0 }
comppostfuncs=(_sacli_test_done)
print -r -- "$((6 * 7))-ready"
"""


def zsh_complete(line: str, tmp_path: Path, *, how: str) -> list[str]:
    """Complete ``line`` in an interactive zsh; ``how``: "fpath" (autoload), "source" or "eval"."""
    assert ZSH
    out = tmp_path / "matches"
    out.write_text("")
    functions = tmp_path / "site-functions"
    functions.mkdir(exist_ok=True)
    shutil.copy(COMPLETIONS["zsh"], functions / "_sacli")
    setup = tmp_path / "setup.zsh"
    setup.write_text(
        ZSH_SETUP
        % {
            "fpath": shlex.quote(str(functions)) if how == "fpath" else "",
            "load": {
                "fpath": "",
                "source": f"source {shlex.quote(str(COMPLETIONS['zsh']))}",
                "eval": 'eval "$(_SACLI_COMPLETE=source_zsh sacli)"',
            }[how],
            "out": shlex.quote(str(out)),
        }
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: an interactive zsh on the pseudo-terminal
        try:
            os.execve(ZSH, ["zsh", "-f", "-i"], shell_env(tmp_path))
        finally:
            os._exit(127)
    screen = b""
    deadline = time.monotonic() + TIMEOUT

    def read_until(done: object) -> None:
        nonlocal screen
        while not done():  # type: ignore[operator]
            left = deadline - time.monotonic()
            assert left > 0, f"zsh did not finish completing {line!r}; screen: {screen[-500:]!r}"
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                try:
                    screen += os.read(fd, 4096)
                except OSError:  # the shell exited and closed the terminal
                    return

    try:
        os.write(fd, f"source {shlex.quote(str(setup))}\n".encode())
        read_until(lambda: b"42-ready" in screen)
        os.write(fd, line.encode() + b"\t")
        read_until(lambda: "--done--" in out.read_text())
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return [word for word in out.read_text().splitlines() if word != "--done--"]


@needs_tool("zsh")
@pytest.mark.parametrize(("line", "expected"), cases(), ids=[line for line, _ in cases()])
def test_zsh_autoloaded_from_fpath(line: str, expected: set[str], tmp_path: Path) -> None:
    # How the wheel installs it (share/zsh/site-functions/_sacli): the very first TAB completes.
    assert set(zsh_complete(line, tmp_path, how="fpath")) == expected


@needs_tool("zsh")
@pytest.mark.parametrize("how", ["source", "eval"])
def test_zsh_sourced_or_evaluated(how: str, tmp_path: Path) -> None:
    assert zsh_complete("sacli st", tmp_path, how=how) == ["stream"]


# fish -------------------------------------------------------------------------------------------

FISH = shutil.which("fish")


def fish_complete(line: str, tmp_path: Path, *, how: str = "source") -> list[str]:
    assert FISH
    load = {
        "source": f"source {shlex.quote(str(COMPLETIONS['fish']))}",
        "pipe": "_SACLI_COMPLETE=source_fish sacli | source",
    }[how]
    result = subprocess.run(
        [FISH, "--no-config", "-c", f"{load}; complete -C {shlex.quote(line)}"],
        env=shell_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return [row.split("\t")[0] for row in result.stdout.splitlines()]


@needs_tool("fish")
@pytest.mark.parametrize(("line", "expected"), cases(), ids=[line for line, _ in cases()])
def test_fish(line: str, expected: set[str], tmp_path: Path) -> None:
    assert set(fish_complete(line, tmp_path)) == expected


@needs_tool("fish")
def test_fish_sourcing_what_sacli_prints(tmp_path: Path) -> None:
    assert fish_complete("sacli st", tmp_path, how="pipe") == ["stream"]


# The protocol behind the scripts, and its cost -----------------------------------------------


def test_bash_protocol_completes_a_command(env: dict[str, str]) -> None:
    result = run(env={**env, "_SACLI_COMPLETE": "complete_bash", "COMP_WORDS": "sacli st", "COMP_CWORD": "1"})
    assert (result.returncode, result.stdout, result.stderr) == (0, b"stream\n", b"")


@pytest.mark.parametrize(
    ("shell", "variables", "expect"),
    [
        ("bash", {"COMP_WORDS": "sacli stream --no-", "COMP_CWORD": "2"}, "--no-stdin"),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "sacli "}, '"stream":"Stream a reply'),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "sacli stream --"}, '"--profile":"Use the [profiles.NAME] table'),
        ("fish", {"_TYPER_COMPLETE_ARGS": "sacli stream --", "_TYPER_COMPLETE_FISH_ACTION": "get-args"}, "--raw\t"),
    ],
)
def test_completion_imports_no_network_code_and_no_rich(
    shell: str, variables: dict[str, str], expect: str, env: dict[str, str]
) -> None:
    # zsh and fish show help texts next to the words: those must not be rendered with rich.
    # A regression guard on what is imported, not a timing assertion.
    python = str(Path(SACLI).with_name("python"))
    result = subprocess.run(
        [python, "-X", "importtime", "-m", "sacli"],
        env={**env, "_SACLI_COMPLETE": f"complete_{shell}", **variables},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0
    assert expect in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "typer" in imported  # the report is there to look at
    heavy = sorted(
        m
        for m in imported
        if m in {"sacli.api.transport", "socket", "ssl"}
        or m.split(".")[0] in {"httpx2", "httpcore2", "h11", "rich", "pygments"}
    )
    assert heavy == []
