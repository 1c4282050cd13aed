"""Whole-process start-up of sacli's quick paths, each paired with ``python -c 'import typer'``.

    python benchmarks/startup.py [--runs N] [--venv DIR]

Times ``sacli --version`` and one TAB completion (``sacli st``) from spawn to exit, each run
right after a run of ``python -c 'import typer'`` in the same environment, and prints the
median of each command and the median of the per-pair ratios: a slow spell on the machine hits
both halves of a pair alike, so the ratio holds where milliseconds do not. ``--venv`` is the
environment to take sacli and python from (default: this interpreter's). Standard library only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def elapsed_ms(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21, metavar="N", help="pairs per command (default: 21)")
    parser.add_argument("--venv", type=Path, metavar="DIR", help="the environment holding sacli")
    args = parser.parse_args()
    bin_dir = (args.venv / "bin") if args.venv else Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_SACLI", "COMP_"))}
    env.pop("PYTHONUNBUFFERED", None)
    baseline = [str(bin_dir / "python"), "-c", "import typer"]
    completion_env = {**env, "_SACLI_COMPLETE": "complete_bash", "COMP_WORDS": "sacli st", "COMP_CWORD": "1"}
    commands = {
        "sacli --version": ([str(bin_dir / "sacli"), "--version"], env),
        "_SACLI_COMPLETE=complete_bash COMP_WORDS='sacli st' COMP_CWORD=1 sacli": (
            [str(bin_dir / "sacli")],
            completion_env,
        ),
    }
    print(f"{args.runs} pairs each; {sys.platform}, {os.cpu_count()} CPUs\n")
    print("| command | median ms | `import typer` median ms | ratio (median of pairs) |")
    print("|---|---:|---:|---:|")
    for name, (argv, command_env) in commands.items():
        elapsed_ms(argv, command_env)  # warm the disk cache
        elapsed_ms(baseline, env)
        pairs = [(elapsed_ms(argv, command_env), elapsed_ms(baseline, env)) for _ in range(args.runs)]
        ratio = statistics.median(a / b for a, b in pairs)
        mine = statistics.median(a for a, _ in pairs)
        theirs = statistics.median(b for _, b in pairs)
        print(f"| `{name}` | {mine:.1f} | {theirs:.1f} | {ratio:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
