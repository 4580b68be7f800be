"""What every workload measures with: memory of this process, a timer, the inputs, TF's threads.

Workers run under different interpreters (ours, the reference TF venv, the reference
PyTorch venv): the standard library only at the top, frameworks imported where used.
"""

from __future__ import annotations

import os
import resource
import statistics
import time

#: When this worker process started measuring (the time limit counts from here).
STARTED = time.perf_counter()


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024


def peak_rss_mb() -> float | None:
    kb = _status_kb("VmHWM")
    return None if kb is None else kb / 1024


def ru_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Timer:
    """Times a callable: a first call, then warm-ups, then timed runs within a deadline."""

    def __init__(self, spec: dict, result: dict):
        self.spec = spec
        self.result = result
        self.deadline = STARTED + float(spec.get("time_limit_s", 600)) * 0.92

    def run(self, fn) -> None:
        warmup = max(1, int(self.spec.get("warmup", 1)))
        repeats = max(1, int(self.spec.get("repeats", 3)))
        start = time.perf_counter()
        fn()
        first = time.perf_counter() - start
        self.result["first_call_s"] = first
        last = first
        for _ in range(warmup - 1):
            if time.perf_counter() + last > self.deadline:
                break
            start = time.perf_counter()
            fn()
            last = time.perf_counter() - start
        times: list[float] = []
        for index in range(repeats):
            if index > 0 and time.perf_counter() + last > self.deadline:
                self.result.setdefault("notes", []).append(
                    f"timed runs cut to {len(times)} of {repeats} by the worker time limit"
                )
                break
            start = time.perf_counter()
            fn()
            last = time.perf_counter() - start
            times.append(last)
        self.result["times_s"] = times
        self.result["median_s"] = statistics.median(times)


def random_inputs(spec: dict):
    """Token ids (batch 1), <s> first, no padding id; one global token per `global_tokens`."""
    import numpy as np

    rng = np.random.default_rng(spec.get("seed", 0))
    n = int(spec["length"])
    vocab = int(spec["model"]["vocab_size"])
    ids = rng.integers(3, vocab, size=(1, n), dtype=np.int64)
    ids[0, 0] = 0
    attention = np.ones((1, n), dtype=np.int64)
    global_mask = np.zeros((1, n), dtype=np.int64)
    global_mask[0, : int(spec.get("global_tokens", 1))] = 1
    labels = np.array([1], dtype=np.int64)
    return ids, attention, global_mask, labels


def configure_tf_threads():
    import tensorflow as tf

    threads = os.environ.get("BENCH_THREADS")
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
    return tf


def timed(fn) -> float:
    """Seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
