"""`tf-longformer bench`: the quick benchmark suite of the source repository (`benchmarks/`)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

#: The source checkout this package was imported from (tf_longformer_cli/bench.py -> the root).
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run the side-by-side benchmarks (`python -m benchmarks.run --suite quick`). They live "
        "in the source repository's benchmarks/ folder, not in the installed package."
    )
    parser.add_argument("--suite", choices=("quick", "full"), default="quick", help="default: quick")
    parser.add_argument(
        "--repo",
        default=None,
        help="the source checkout holding benchmarks/ (default: this package's, else the current directory)",
    )
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for benchmarks.run (after --)")


def find_benchmarks(repo: str | None) -> str | None:
    for root in [repo] if repo else [REPO_ROOT, os.getcwd()]:
        if os.path.isfile(os.path.join(root, "benchmarks", "run.py")):
            return root
    return None


def run(args: argparse.Namespace) -> int:
    root = find_benchmarks(args.repo)
    if root is None:
        where = args.repo or f"{REPO_ROOT} or {os.getcwd()}"
        raise FileNotFoundError(
            f"no benchmarks/ folder in {where}: the benchmarks ship with the source repository; run this "
            "from a clone (git clone ... && pip install -e '.[dev]') or pass --repo"
        )
    extra = [a for a in args.extra if a != "--"]
    command = [sys.executable, "-m", "benchmarks.run", "--suite", args.suite, *extra]
    print("running:", " ".join(command), f"(in {root})", flush=True)
    return subprocess.call(command, cwd=root, stderr=sys.stderr)  # its progress, not the native log
