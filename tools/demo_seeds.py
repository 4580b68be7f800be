"""Runs the demo over seeds and both sets of CPU kernels; prints the table the README quotes.

The demo's result should not depend on the seed or on how the CPU's kernels round.
Each run is the README's command, `python -m tf_longformer.demo --seed S`, in its own process,
once with TensorFlow's oneDNN kernels (the default on x86) and once without
(`TF_ENABLE_ONEDNN_OPTS=0`: Eigen's kernels, which round differently, standing in for another
CPU). Runs one after another, so the times are comparable on an otherwise idle machine.

    python tools/demo_seeds.py                       # seeds 0-4 x oneDNN on/off: ~15 min on 2 cores
    python tools/demo_seeds.py --seeds 0 1 --onednn 1 --output /tmp/demo-seeds
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks.machine import cpu_description  # noqa: E402


def run_demo(seed: int, onednn: str, output: str) -> dict:
    """One demo run in a fresh process; its summary.json plus the wall time of the whole process."""
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="2")
    command = [sys.executable, "-m", "tf_longformer.demo", "--seed", str(seed), "--output", output]
    started = time.perf_counter()
    process = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} (TF_ENABLE_ONEDNN_OPTS={onednn}) exited with "
            f"{process.returncode}:\n{process.stderr[-3000:]}"
        )
    with open(os.path.join(output, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    runs = summary["runs"]
    long_name, prefix_name = list(runs)
    return {
        "seed": seed,
        "onednn": onednn,
        "long": runs[long_name]["test_accuracy"],
        "prefix": runs[prefix_name]["test_accuracy"],
        "seconds": wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--onednn",
        nargs="+",
        choices=["1", "0"],
        default=["1", "0"],
        help="TF_ENABLE_ONEDNN_OPTS values to run (default: both)",
    )
    parser.add_argument(
        "--output",
        default=os.path.join(REPO, "saved_models", "demo-seeds"),
        help="where each run's exports and summary go (overwritten run by run)",
    )
    args = parser.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d')}, {cpu_description()}, python {' '.join(sys.argv)}", flush=True)
    print("| seed | oneDNN | long (4096) | prefix (512) | demo time (s) |\n|---|---|---|---|---|", flush=True)
    rows = []
    for onednn in args.onednn:
        for seed in args.seeds:
            row = run_demo(seed, onednn, args.output)
            rows.append(row)
            print(
                f"| {seed} | {'on' if onednn == '1' else 'off'} | {row['long']:.3f} | {row['prefix']:.3f} | "
                f"{row['seconds']:.0f} |",
                flush=True,
            )
    longs, prefixes, times = ([row[key] for row in rows] for key in ("long", "prefix", "seconds"))
    print(
        f"| all | | {min(longs):.3f}-{max(longs):.3f} | {min(prefixes):.3f}-{max(prefixes):.3f} | "
        f"{min(times):.0f}-{max(times):.0f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
