"""`from_pretrained` of a base-4096 QA checkpoint: ours against the reference PyTorch.

    python -m benchmarks.load                       # 3 interleaved rounds, ours and ref-torch
    python -m benchmarks.load --rounds 5 --tag load --out benchmarks/results

The checkpoint is written once by the reference (`LongformerForQuestionAnswering(
LongformerConfig(**BASE_4096))`, allenai/longformer-base-4096's config, random weights, `save_pretrained(dir,
safe_serialization=True)`) into `results/tmp/load-checkpoint/` (gitignored); it needs the
`ref-torch` venv (`bash benchmarks/setup.sh`).

Like `benchmarks.run`, the parent imports no framework: every (round, implementation) is a
fresh worker process (`python -m benchmarks.load --worker IMPL DIR RESULT`) under that
implementation's interpreter, one at a time, interleaved (round r runs the implementations
in turn, the order alternating between rounds). The worker imports its framework (`import
tf_longformer`; `import torch, transformers` with `torch.set_num_threads(2)`, and the
class, which transformers imports lazily on first access), reads its peak RSS (`VmHWM` of /proc/self/status) as the baseline, times `….from_pretrained(dir)`, and
reads `VmHWM` again: the figure reported is the peak RSS above the bare-import baseline, and
its ratio to the checkpoint file's size. Every worker reports the sum of the loaded
`qa_outputs` weight, which the parent checks agree (all read the same weights).

The reference runs three ways. `ref-torch` is its `from_pretrained` as is: transformers 4.x
builds the model on the meta device and maps `model.safetensors` into memory, so the call
reads no weight (its peak RSS stays ~15 MB above import); the pages come in on first use.
`ref-torch-resident` adds one read of every parameter, i.e. the load until the weights are
in memory, as ours are when `from_pretrained` returns. `ref-torch-lazy-import` is
`ref-torch` with the class's first access (transformers imports `modeling_longformer`
lazily, ~1 s) inside the timed region, as a measurement that times `transformers.
LongformerForQuestionAnswering.from_pretrained(dir)` in a fresh process gets.

Targets: ours ≤ 0.5x the reference's load time in the same run; ours'
peak RSS above baseline ≤ 1.3x the checkpoint's size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import flops, machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"
DEFAULT_CHECKPOINT = HERE / "results" / "tmp" / "load-checkpoint"
IMPLS = {
    "ours": "ours: tf_longformer.LongformerForQuestionAnswering.from_pretrained(dir)",
    "ref-torch": "reference PyTorch: transformers.LongformerForQuestionAnswering.from_pretrained(dir)",
    "ref-torch-resident": "the same, then every parameter read once (its pages mapped in from the file)",
    "ref-torch-lazy-import": "the same as ref-torch, the class's first access (transformers' lazy import of "
    "modeling_longformer) inside the timed region",
}
# allenai/longformer-base-4096's config (`LongformerConfig()`'s defaults are BERT-sized: vocab 30522, 512 positions).
BASE_4096 = dict(
    **flops.BASE_4096,
    type_vocab_size=1,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
    layer_norm_eps=1e-5,
)
TIME_TARGET = 0.5
RSS_TARGET = 1.3


def _vm_kb(field: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def interpreter(impl: str) -> Path | None:
    if impl == "ours":
        return Path(os.environ.get("BENCH_OURS_PYTHON", sys.executable))
    override = os.environ.get("BENCH_REF_TORCH_PYTHON")
    path = Path(override) if override else VENVS / "ref-torch" / "bin" / "python"
    return path if path.exists() else None


# -- worker ---------------------------------------------------------------------------------


def _worker(impl: str, directory: str, result_path: str) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if impl == "ours":
        import tf_longformer

        cls = tf_longformer.LongformerForQuestionAnswering
        baseline_kb = _vm_kb("VmHWM")
        start = time.perf_counter()
        model = cls.from_pretrained(directory)
        seconds = time.perf_counter() - start
        check = float(model.qa_outputs.kernel.numpy().astype("float64").sum())
        versions = {"tf_longformer": getattr(tf_longformer, "__version__", "?")}
    elif impl.startswith("ref-torch"):
        import torch
        import transformers

        torch.set_num_threads(2)
        if impl != "ref-torch-lazy-import":  # transformers imports modeling_longformer on first access
            cls = transformers.LongformerForQuestionAnswering
        baseline_kb = _vm_kb("VmHWM")
        start = time.perf_counter()
        if impl == "ref-torch-lazy-import":
            cls = transformers.LongformerForQuestionAnswering
        model = cls.from_pretrained(directory)
        if impl == "ref-torch-resident":  # every weight read once: its pages come in from the mapped file
            with torch.no_grad():
                for parameter in model.parameters():
                    parameter.sum()
        seconds = time.perf_counter() - start
        check = float(model.qa_outputs.weight.detach().double().sum())
        versions = {"torch": torch.__version__, "transformers": transformers.__version__}
    else:
        raise SystemExit(f"unknown implementation {impl!r}")
    peak_kb = _vm_kb("VmHWM")
    result = dict(
        impl=impl,
        load_s=seconds,
        baseline_hwm_mb=baseline_kb / 1024,
        peak_hwm_mb=peak_kb / 1024,
        above_baseline_mb=(peak_kb - baseline_kb) / 1024,
        rss_after_mb=_vm_kb("VmRSS") / 1024,
        check_sum=check,
        versions=versions,
    )
    Path(result_path).write_text(json.dumps(result))


def _write_checkpoint(directory: str) -> None:
    """Runs under the ref-torch interpreter: the reference's random base-4096 QA checkpoint."""
    import torch
    import transformers

    torch.manual_seed(0)
    config = transformers.LongformerConfig(**BASE_4096)
    model = transformers.LongformerForQuestionAnswering(config)
    model.save_pretrained(directory, safe_serialization=True)


# -- parent ---------------------------------------------------------------------------------


def _ensure_checkpoint(directory: Path) -> Path:
    weights = directory / "model.safetensors"
    if weights.is_file() and (directory / "config.json").is_file():
        return weights
    python = interpreter("ref-torch")
    if python is None:
        raise SystemExit("the ref-torch venv is missing: run `bash benchmarks/setup.sh` first")
    print(f"[load] writing the reference checkpoint to {directory}", flush=True)
    subprocess.run([str(python), "-m", "benchmarks.load", "--write-checkpoint", str(directory)], cwd=ROOT, check=True)
    return weights


def _run_one(impl: str, directory: Path, tmp: Path, index: int, time_limit: float) -> dict:
    python = interpreter(impl)
    if python is None:
        return dict(impl=impl, ok=False, error="interpreter missing (bash benchmarks/setup.sh)")
    result_path = tmp / f"load-{impl}-{index}.json"
    result_path.unlink(missing_ok=True)
    load_before = machine.load_average()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    try:
        completed = subprocess.run(
            [str(python), "-m", "benchmarks.load", "--worker", impl, str(directory), str(result_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=time_limit,
        )
    except subprocess.TimeoutExpired:
        return dict(impl=impl, ok=False, error=f"timed out after {time_limit:.0f} s")
    if completed.returncode != 0 or not result_path.is_file():
        return dict(impl=impl, ok=False, error=completed.stderr.strip().splitlines()[-1:] or ["?"])
    result = json.loads(result_path.read_text())
    result.update(ok=True, loadavg_before=load_before, loadavg_after=machine.load_average())
    return result


def _table(runs: list[dict], checkpoint_mb: float) -> tuple[str, dict]:
    by_impl: dict[str, list[dict]] = {}
    for run in runs:
        if run.get("ok"):
            by_impl.setdefault(run["impl"], []).append(run)
    lines = [
        "Implementations: " + "; ".join(f"`{impl}`: {IMPLS[impl]}" for impl in by_impl) + ".",
        "",
        "| round | implementation | load s | peak RSS above import, MB | × checkpoint size | load avg before→after |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        if not run.get("ok"):
            lines.append(f"| {run['round']} | {run['impl']} | fails: {run['error']} | | | |")
            continue
        lines.append(
            f"| {run['round']} | {run['impl']} | {run['load_s']:.2f} | {run['above_baseline_mb']:.0f} | "
            f"{run['above_baseline_mb'] / checkpoint_mb:.2f} | {run['loadavg_before']} → {run['loadavg_after']} |"
        )
    summary: dict = {}
    lines += [
        "",
        "| implementation | load s (median, range) | peak RSS above import, MB (median, range) | × checkpoint size |",
        "|---|---|---|---|",
    ]
    for impl, items in by_impl.items():
        times = [r["load_s"] for r in items]
        rss = [r["above_baseline_mb"] for r in items]
        summary[impl] = dict(
            load_s=statistics.median(times),
            load_s_range=[min(times), max(times)],
            above_baseline_mb=statistics.median(rss),
            above_baseline_mb_range=[min(rss), max(rss)],
        )
        lines.append(
            f"| {impl} | {statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f}) | "
            f"{statistics.median(rss):.0f} ({min(rss):.0f}-{max(rss):.0f}) | "
            f"{statistics.median(rss) / checkpoint_mb:.2f} ({min(rss) / checkpoint_mb:.2f}-{max(rss) / checkpoint_mb:.2f}) |"
        )
    if "ours" in by_impl:
        rss_ratio = summary["ours"]["above_baseline_mb"] / checkpoint_mb
        worst_rss = max(r["above_baseline_mb"] for r in by_impl["ours"]) / checkpoint_mb
        summary["rss_ratio_median"] = rss_ratio
        summary["rss_ratio_worst"] = worst_rss
        lines.append("")
        for ref_impl in (impl for impl in IMPLS if impl.startswith("ref-") and impl in by_impl):
            ratios = []  # per round: the two ran back to back
            for round_index in sorted({r["round"] for r in by_impl["ours"]}):
                ours = [r for r in by_impl["ours"] if r["round"] == round_index]
                ref = [r for r in by_impl[ref_impl] if r["round"] == round_index]
                if ours and ref:
                    ratios.append(ours[0]["load_s"] / ref[0]["load_s"])
            summary[f"time_ratio_per_round_vs_{ref_impl}"] = ratios
            if ratios:
                met = max(ratios) <= TIME_TARGET
                lines.append(
                    f"- ours / {ref_impl} load time, per round: {', '.join(f'{x:.2f}x' for x in ratios)} "
                    f"(target ≤ {TIME_TARGET}x: {'met' if met else 'NOT met'} in every round)"
                )
        lines.append(
            f"- ours' peak RSS above import / checkpoint size: median {rss_ratio:.2f}x, worst {worst_rss:.2f}x "
            f"(target ≤ {RSS_TARGET}x: {'met' if worst_rss <= RSS_TARGET else 'NOT met'})"
        )
        checks = {r["check_sum"] for r in runs if r.get("ok")}
        agree = max(checks) - min(checks) <= 1e-6 * max(1.0, abs(max(checks)))
        lines.append(
            f"- the loaded `qa_outputs` weights agree across implementations (sum {min(checks):.6f}): "
            f"{'yes' if agree else 'NO'}"
        )
    return "\n".join(lines), summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=3, metavar=("IMPL", "DIR", "RESULT"), help=argparse.SUPPRESS)
    parser.add_argument("--write-checkpoint", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--impls", nargs="+", default=list(IMPLS), choices=list(IMPLS))
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per worker")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--tag", default="load")
    args = parser.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return
    if args.write_checkpoint:
        _write_checkpoint(args.write_checkpoint)
        return

    weights = _ensure_checkpoint(args.checkpoint)
    checkpoint_mb = weights.stat().st_size / 2**20
    tmp = HERE / "results" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    for round_index in range(1, args.rounds + 1):
        order = args.impls if round_index % 2 else args.impls[::-1]
        for impl in order:
            result = _run_one(impl, args.checkpoint, tmp, round_index, args.time_limit)
            result["round"] = round_index
            runs.append(result)
            shown = (
                f"{result['load_s']:.2f} s, {result['above_baseline_mb']:.0f} MB above import"
                if result.get("ok")
                else result["error"]
            )
            print(f"[load] round {round_index} {impl}: {shown}", flush=True)

    table, summary = _table(runs, checkpoint_mb)
    date = dt.date.today().isoformat()
    header = (
        f"# `from_pretrained` load benchmark, {date}\n\n"
        f"Checkpoint: the reference's base-4096 `LongformerForQuestionAnswering`, random weights, "
        f"`model.safetensors` {checkpoint_mb:.0f} MB ({weights.stat().st_size} bytes).\n"
        f"CPU: {machine.cpu_description()}. Command: `python -m benchmarks.load --rounds {args.rounds}`.\n"
        f"Time: the `from_pretrained(dir)` call (imports excluded). Peak RSS: the worker's `VmHWM` after the "
        f"load minus `VmHWM` right after `import tf_longformer` (ours) / `import torch, transformers` "
        f"and the class (reference, which imports `modeling_longformer` lazily on that access; `torch.set_num_threads(2)`). One fresh process per row, rounds interleaved.\n\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{date}-{args.tag}"
    stem.with_suffix(".md").write_text(header + table + "\n")
    stem.with_suffix(".json").write_text(
        json.dumps(
            dict(
                date=date,
                cpu=machine.cpu_description(),
                checkpoint_mb=checkpoint_mb,
                rounds=args.rounds,
                runs=runs,
                summary=summary,
            ),
            indent=1,
        )
    )
    print(header + table)
    print(f"\n[load] wrote {stem}.md and .json")


if __name__ == "__main__":
    main()
