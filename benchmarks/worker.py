"""One benchmark measurement in a fresh process: `python -m benchmarks.worker SPEC.json`.

The parent (`benchmarks.run`) starts one worker per (implementation, workload, length) so
that each process's peak resident memory belongs to that measurement alone. Workers run
under different interpreters (ours, the reference TF venv, the reference PyTorch venv), so
this module imports only the standard library at the top; each implementation's module
(`benchmarks/workloads/`) imports its framework where it is used.

The spec (JSON) holds: impl, workload ("forward" | "train" | "matmul"), length, model (a
config dict, see `flops.BASE_4096`), global_tokens, warmup, repeats, time_limit_s, seed,
matmul_size, and result (the path the result JSON is written to).

The result holds: ok, times_s (the timed runs), median_s, first_call_s (the first call,
which for TF includes tracing), build_s (constructing the model and its weights),
peak_rss_mb (VmHWM of this process), ru_maxrss_mb, rss_after_build_mb, versions, notes; or
ok = False and error.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback

from benchmarks.workloads import measure

#: impl -> the module of `benchmarks.workloads` that measures it.
IMPLS = {
    "matmul": "matmul",
    "ours": "ours",
    "ours-bf16": "ours",
    "ours-xla": "ours",
    "ours-bf16-xla": "ours",
    "ours-ckpt": "ours",
    "ours-bf16-ckpt": "ours",
    "dense-keras": "dense",
    "ref-tf": "reference_tf",
    "ref-torch": "reference_torch",
}


def short_reason(error: BaseException) -> str:
    """One line: the exception class and the line of its message that says what went wrong
    (for TF graph errors that is the line after the node's stack, e.g. "Incompatible shapes")."""
    if isinstance(error, MemoryError):
        return "MemoryError: out of memory"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    noise = ("File ", "Detected at node", "Graph execution error", "[[", "Traceback", "Node:")
    useful = [line for line in lines if not line.startswith(noise)]
    text = useful[0] if useful else (lines[0] if lines else "")
    node = next((line for line in lines if line.startswith("Detected at node")), "")
    if node:
        name = node.split("Detected at node", 1)[1].split(" defined at", 1)[0].strip()
        parts = name.split("/")
        text += f" (at {'/'.join(parts[-3:]) if len(parts) > 3 else name})"
    return f"{type(error).__name__}: {text}"[:200]


def main(argv: list[str]) -> int:
    with open(argv[1]) as handle:
        spec = json.load(handle)
    result: dict = {"ok": False, "pid": os.getpid()}
    try:
        importlib.import_module(f"benchmarks.workloads.{IMPLS[spec['impl']]}").bench(spec, result)
        result["ok"] = True
    except BaseException as error:  # noqa: BLE001 - every failure becomes a table entry
        result["error"] = short_reason(error)
        result["traceback"] = traceback.format_exc()[-4000:]
    result["peak_rss_mb"] = measure.peak_rss_mb()
    result["ru_maxrss_mb"] = measure.ru_maxrss_mb()
    result["worker_wall_s"] = time.perf_counter() - measure.STARTED
    with open(spec["result"], "w") as handle:
        json.dump(result, handle, indent=1, default=str)
    sys.stdout.flush()
    # Skip interpreter teardown (TF's can take seconds or hang on exit).
    os._exit(0 if result["ok"] else 3)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
