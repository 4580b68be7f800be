"""Benchmark suite entry point: `python -m benchmarks.run --suite quick|full`.

One parent process (this one: standard library only until the report) runs every
measurement in a fresh worker subprocess (`benchmarks.worker`) under the interpreter of its
implementation, one at a time, with a per-worker time limit and a resident-memory watchdog,
collects the workers' JSON, and writes `results/<date>[-tag].{json,md}` and PNG plots.
A worker that fails, times out or is killed is recorded as "fails: <reason>"; the run goes on.

See benchmarks/README.md for the suites, the implementations and how to read the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import flops, machine
from benchmarks.configs import MODELS, model_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"

# Implementations: (display name, interpreter key, workloads).
IMPLS = {
    "ours": ("ours (tf_longformer, float32)", "ours", ("forward", "train", "predict", "predict-built", "fit")),
    "ours-bf16": ("ours, mixed_bfloat16", "ours", ("forward", "train")),
    "ours-xla": ("ours, jit_compile=True", "ours", ("forward",)),
    "ours-bf16-xla": ("ours, mixed_bfloat16 and jit_compile=True", "ours", ("forward",)),
    "ours-ckpt": ("ours, gradient checkpointing", "ours", ("train",)),
    "ours-bf16-ckpt": ("ours, mixed_bfloat16 and gradient checkpointing", "ours", ("train",)),
    "ref-tf": ("reference TF (transformers 4.x)", "ref-tf", ("forward", "train")),
    "ref-torch": ("reference PyTorch (transformers 4.x)", "ref-torch", ("forward", "train")),
    "dense-keras": ("dense n×n baseline (Keras 3 MHA)", "ours", ("forward",)),
}

# Keras' own doors (`predict`, `fit`) against the `tf.function` paths above, in one worker each
# (benchmarks/workloads/keras_doors.py: `predict`, `fit`); run at the training lengths.
KERAS_WORKLOADS = ("predict", "predict-built", "fit")

SUITES = {
    # A few minutes: the base config at short lengths, the main comparisons only.
    "quick": dict(
        lengths=[512, 1024],
        forward=["ours", "ours-bf16", "ref-tf", "ref-torch", "dense-keras"],
        train=["ours", "ref-torch"],
        train_lengths=[512],
        # (impl, workload) -> the only lengths it runs at in this suite (when --lengths is not given)
        keras=["ours"],
        only={
            ("ours-bf16", "forward"): [512],
            ("dense-keras", "forward"): [1024],
            **{("ours", w): [512] for w in KERAS_WORKLOADS},
        },
        matmul_size=2048,
        time_limit_s=300,
        budget_min=15,
    ),
    # About half an hour: every implementation, 512..16384, training at 1024 and 4096.
    "full": dict(
        lengths=[512, 1024, 2048, 4096, 8192, 16384],
        forward=["ours", "ours-bf16", "ours-xla", "ref-tf", "ref-torch", "dense-keras"],
        train=["ours", "ours-ckpt", "ours-bf16", "ref-torch", "ref-tf"],
        train_lengths=[1024, 4096],
        only={
            ("ours-bf16", "forward"): [1024, 4096, 16384],
            ("ours-xla", "forward"): [1024, 4096, 16384],
            ("ours-bf16", "train"): [4096],
            ("ours-ckpt", "train"): [1024, 4096],
            ("ref-tf", "train"): [1024],  # fails in graph mode with global attention (known)
            **{("ours", w): [4096] for w in KERAS_WORKLOADS},
        },
        keras=["ours"],
        matmul_size=4096,
        time_limit_s=900,
        budget_min=45,
    ),
    # Documents past the base models' length: 8k-32k tokens, forward and training with and without
    # checkpointing, float32 and mixed_bfloat16, beside the reference PyTorch (about an hour on 2 cores).
    "long": dict(
        lengths=[4096, 8192, 16384, 32768],
        forward=["ours", "ours-bf16", "ref-torch"],
        train=["ours-ckpt", "ours-bf16-ckpt", "ours", "ref-torch"],
        train_lengths=[4096, 8192, 16384, 32768],
        only={},
        matmul_size=4096,
        time_limit_s=1200,
        budget_min=70,
    ),
}


def repeats_for(suite: str, workload: str, length: int) -> tuple[int, int]:
    """(warm-up runs including the first call, timed runs)."""
    if suite == "quick":
        return 1, 3
    if suite == "long":
        return 1, 1
    if workload in ("train", "fit"):
        return (1, 3) if length < 4096 else (1, 2)
    if length <= 4096:
        return 1, 3
    if length <= 8192:
        return 1, 2
    return 1, 1


def interpreter(key: str) -> Path | None:
    if key == "ours":
        return Path(os.environ.get("BENCH_OURS_PYTHON", sys.executable))
    override = os.environ.get(f"BENCH_{key.upper().replace('-', '_')}_PYTHON")
    path = Path(override) if override else VENVS / key / "bin" / "python"
    return path if path.exists() else None


load_average = machine.load_average


def machine_description() -> str:
    """The CPU (model, logical CPUs, bf16-relevant features) and the memory size."""
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "?"
    return f"{machine.cpu_description()}; {mem} memory"


def plan_jobs(args) -> list[dict]:
    suite = SUITES[args.suite]
    lengths = args.lengths or suite["lengths"]
    train_lengths = args.train_lengths or (args.lengths if args.lengths else suite["train_lengths"])
    only = suite["only"] if not args.lengths else {}
    wanted_impls = set(args.impls) if args.impls else None
    wanted_work = set(args.workloads) if args.workloads else None
    jobs: list[dict] = []
    if (wanted_work is None or "matmul" in wanted_work) and (wanted_impls is None or "matmul" in wanted_impls):
        jobs.append(dict(impl="matmul", workload="matmul", length=0))
    for workload, impls, lens in (
        ("forward", suite["forward"], lengths),
        ("train", suite["train"], train_lengths),
        *((w, suite.get("keras", []), train_lengths if w == "fit" else lengths) for w in KERAS_WORKLOADS),
    ):
        if wanted_work is not None and workload not in wanted_work:
            continue
        for length in sorted(lens):
            for impl in impls:
                if wanted_impls is not None and impl not in wanted_impls:
                    continue
                if (impl, workload) in only and length not in only[(impl, workload)]:
                    continue
                jobs.append(dict(impl=impl, workload=workload, length=length))
    if wanted_impls:
        # Explicitly requested implementations that the suite does not list by default.
        listed = {(j["impl"], j["workload"], j["length"]) for j in jobs}
        for impl in wanted_impls - {"matmul"}:
            for workload in IMPLS[impl][2]:
                if wanted_work is not None and workload not in wanted_work:
                    continue
                for length in sorted(train_lengths if workload in ("train", "fit") else lengths):
                    if (impl, workload, length) not in listed and impl not in suite.get(
                        "keras" if workload in KERAS_WORKLOADS else workload, []
                    ):
                        jobs.append(dict(impl=impl, workload=workload, length=length))
    # Matmul first, then short before long so a partial run still covers the small lengths.
    jobs.sort(key=lambda j: (j["workload"] != "matmul", j["length"], j["workload"] != "forward"))
    return jobs


def job_key(job: dict) -> str:
    return f"{job['impl']}|{job['workload']}|{job['length']}"


def run_job(job: dict, args, scratch: Path) -> dict:
    suite = SUITES[args.suite]
    impl, workload, length = job["impl"], job["workload"], job["length"]
    record = dict(job)
    record["load_before"] = load_average()
    record["started"] = dt.datetime.now().isoformat(timespec="seconds")
    key = "ours" if impl in ("matmul", "dense-keras") else IMPLS[impl][1]
    python = interpreter(key)
    if python is None:
        record.update(ok=False, error=f"no {key} venv: run bash benchmarks/setup.sh")
        return record
    cfg = model_for(args.model, length) if length else dict(MODELS[args.model])
    if impl == "dense-keras":
        need = flops.dense_predicted_peak_gb(length, cfg)
        if need > args.mem_limit_gb:
            record.update(
                ok=False,
                error=f"n×n attention needs ~{need:.0f} GB (predicted) > {args.mem_limit_gb:g} GB limit; not run",
            )
            return record
    warmup, repeats = repeats_for(args.suite, workload, length)
    if args.repeats:
        repeats = args.repeats
    time_limit = args.time_limit or suite["time_limit_s"]
    name = job_key(job).replace("|", "_")
    spec = dict(
        impl=impl,
        workload=workload,
        length=length,
        model=cfg,
        global_tokens=1,
        warmup=warmup,
        repeats=repeats if impl != "matmul" else 7,
        matmul_size=args.matmul_size or suite["matmul_size"],
        time_limit_s=time_limit,
        seed=0,
        optimizer=args.optimizer,
        result=str(scratch / f"{name}.result.json"),
    )
    spec_path = scratch / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec, indent=1))
    log_path = scratch / f"{name}.log"
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Both TF implementations run on the same kernels: tf_longformer turns TF's oneDNN
    # kernels on when the user has not chosen, so the reference TF gets them too.
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if key == "ref-tf":
        env["TF_USE_LEGACY_KERAS"] = "1"
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
    command = [str(python), "-m", "benchmarks.worker", str(spec_path)]
    record["command"] = " ".join(shlex.quote(c) for c in command)
    start = time.perf_counter()
    observed_peak_kb = 0.0
    reason = None
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        while proc.poll() is None:
            time.sleep(0.2)
            rss_kb = _rss_kb(proc.pid)
            observed_peak_kb = max(observed_peak_kb, rss_kb)
            if time.perf_counter() - start > time_limit:
                reason = f"over the {time_limit:g} s worker time limit"
            elif rss_kb > args.mem_limit_gb * 1e9 / 1024:
                reason = f"resident memory over the {args.mem_limit_gb:g} GB limit"
            if reason:
                _kill_group(proc)
                break
        proc.wait()
    record["wall_s"] = time.perf_counter() - start
    record["load_after"] = load_average()
    record["observed_peak_rss_mb"] = observed_peak_kb / 1024
    record["spec"] = {k: v for k, v in spec.items() if k != "result"}
    result_path = Path(spec["result"])
    if reason:
        record.update(ok=False, error=reason)
    elif result_path.exists():
        record.update(json.loads(result_path.read_text()))
    else:
        tail = _log_tail(log_path)
        if proc.returncode and proc.returncode < 0:
            sig = -proc.returncode
            why = (
                "killed (SIGKILL: likely the kernel's out-of-memory killer)"
                if sig == signal.SIGKILL
                else f"killed by signal {sig}"
            )
        else:
            why = f"exited {proc.returncode} without a result"
        record.update(ok=False, error=f"{why}; {tail}"[:200])
    record.pop("traceback", None) if record.get("ok") else None
    return record


def _rss_kb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session, started above
    except ProcessLookupError:
        pass


def _log_tail(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def describe(record: dict) -> str:
    label = f"{record['impl']:<12} {record['workload']:<8} {record['length'] or '':>6}"
    if not record.get("ok"):
        return f"{label}  fails: {record.get('error')}  [load {record.get('load_before')}]"
    if record["workload"] == "matmul":
        rates = record.get("gflops", {})
        return f"{label}  " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in rates.items())
    peak = (record.get("peak_rss_mb") or 0) / 1024
    return (
        f"{label}  median {record['median_s']:.3f} s over {len(record['times_s'])}, first call "
        f"{record.get('first_call_s', 0):.2f} s, peak RSS {peak:.2f} GB  [load {record['load_before']}]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="quick")
    parser.add_argument("--lengths", type=int, nargs="+", help="sequence lengths (default: the suite's)")
    parser.add_argument(
        "--train-lengths", type=int, nargs="+", help="training-step lengths (default: the suite's, or --lengths)"
    )
    parser.add_argument("--impls", nargs="+", choices=sorted(IMPLS) + ["matmul"], help="only these implementations")
    parser.add_argument(
        "--workloads", nargs="+", choices=["matmul", "forward", "train", *KERAS_WORKLOADS], help="only these workloads"
    )
    parser.add_argument(
        "--model", choices=sorted(MODELS), default="base", help="base = base-4096 config; tiny for developing"
    )
    parser.add_argument("--repeats", type=int, help="timed runs per figure (default: the suite's schedule)")
    parser.add_argument("--matmul-size", type=int, help="square matmul size for the rate (default: the suite's)")
    parser.add_argument("--time-limit", type=float, help="seconds per worker (default: quick 300, full 900)")
    parser.add_argument(
        "--budget-min", type=float, help="skip the workers left after this many minutes (default: quick 15, full 45)"
    )
    parser.add_argument(
        "--optimizer",
        choices=["adam", "fused-adam"],
        default="adam",
        help="our training steps: keras.optimizers.Adam (default) or tf_longformer.training.FusedAdam",
    )
    parser.add_argument("--mem-limit-gb", type=float, default=20.0, help="kill a worker whose RSS passes this")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--tag", help="results file name suffix: <date>-<tag>.md")
    parser.add_argument(
        "--merge", action="store_true", help="add to (replace matching entries of) today's results file"
    )
    parser.add_argument("--update-readme", action="store_true", help="put the summary into benchmarks/README.md")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    args = parser.parse_args(argv)

    jobs = plan_jobs(args)
    if args.dry_run:
        for job in jobs:
            print(job_key(job))
        return 0
    date = dt.date.today().isoformat()
    stem = f"{date}-{args.tag}" if args.tag else date
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = args.out / "tmp" / f"{stem}-{dt.datetime.now():%H%M%S}"
    scratch.mkdir(parents=True, exist_ok=True)
    json_path = args.out / f"{stem}.json"
    previous = json.loads(json_path.read_text()) if (args.merge and json_path.exists()) else None
    run_info = dict(
        date=date,
        suite=args.suite,
        model=args.model,
        command="python -m benchmarks.run "
        + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        machine=machine_description(),
        uptime_start=_uptime(),
    )
    records: dict[str, dict] = {}
    if previous:
        run_info["uptime_start"] = previous.get("run", {}).get("uptime_start", run_info["uptime_start"])
        records.update({job_key(r): r for r in previous.get("records", [])})
        run_info["merged_commands"] = previous.get("run", {}).get(
            "merged_commands", [previous.get("run", {}).get("command")]
        )
    print(f"[bench] {len(jobs)} workers; {run_info['machine']}; load {load_average()}", flush=True)
    budget_s = 60 * (args.budget_min or SUITES[args.suite]["budget_min"])
    run_start = time.perf_counter()
    for index, job in enumerate(jobs, 1):
        print(f"[bench] ({index}/{len(jobs)}) {job_key(job)} ...", flush=True)
        if time.perf_counter() - run_start > budget_s:
            record = dict(
                job,
                ok=False,
                error=f"skipped: the run's {budget_s / 60:g} min budget was spent",
                load_before=load_average(),
            )
        else:
            record = run_job(job, args, scratch)
        record["run_command"] = run_info["command"]
        records[job_key(job)] = record
        print(f"[bench]   {describe(record)}", flush=True)
        _write_json(json_path, run_info, records)
    run_info["uptime_end"] = _uptime()
    _write_json(json_path, run_info, records)

    from benchmarks import report

    md_path = report.write_report(json_path)
    print(f"[bench] wrote {json_path} and {md_path}", flush=True)
    if args.update_readme:
        report.update_readme(md_path, HERE / "README.md")
    return 0


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"load average: {load_average()}"


def _write_json(path: Path, run_info: dict, records: dict) -> None:
    if "merged_commands" in run_info:
        commands = list(run_info["merged_commands"])
        if run_info["command"] not in commands:
            commands.append(run_info["command"])
        run_info = dict(run_info, merged_commands=commands)
    path.write_text(json.dumps({"run": run_info, "records": list(records.values())}, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
