"""Make one clean virtual environment per measured client, for ``run.py --venvs DIR``.

    python benchmarks/setup_peers.py [DIR]        # default: benchmarks/.venvs

Each client gets an environment that holds it and what it needs, nothing else: a library
beside it can change its start-up (httpx, for one, imports its command-line module, and
doubles its start-up, whenever click, rich and pygments are installed next to it). The
environments are made with this interpreter; sacli is installed from this checkout with
``pip install``, compiled as users get it. What each environment holds is written to
DIR/versions.json. Standard library only; it needs pip to reach a package index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# environment -> what pip installs into it
PEERS = {
    "sacli": [str(ROOT)],
    "httpx2": ["httpx2"],
    "httpx-sse": ["httpx", "httpx-sse"],
    "openai": ["openai"],
    "llm": ["llm"],
}


def make(directory: Path, name: str, packages: list[str]) -> list[dict[str, str]]:
    venv = directory / name
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "install", "--quiet", "--disable-pip-version-check", *packages], check=True)
    listing = subprocess.run([*pip, "list", "--format=json"], check=True, capture_output=True, text=True)
    return json.loads(listing.stdout)


def main() -> int:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else HERE / ".venvs").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(PEERS)) as pool:
        jobs = {name: pool.submit(make, directory, name, packages) for name, packages in PEERS.items()}
        versions = {name: {p["name"]: p["version"] for p in job.result()} for name, job in jobs.items()}
    (directory / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    for name, packages in versions.items():
        shown = ", ".join(f"{p} {v}" for p, v in sorted(packages.items()) if p not in ("pip", "setuptools"))
        print(f"{name}: {shown}")
    print(f"setup_peers.py: environments in {directory}; now: python benchmarks/run.py --venvs {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
