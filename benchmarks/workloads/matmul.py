"""The float32 and bfloat16 dense matmul rates of this machine (the floors every figure is read against)."""

from __future__ import annotations

import statistics
import time

from benchmarks import machine
from benchmarks.workloads.measure import configure_tf_threads


def bench(spec: dict, result: dict) -> None:
    import numpy as np

    tf = configure_tf_threads()
    size = int(spec.get("matmul_size", 2048))
    details = {
        dtype_name: machine.matmul_rate(
            tf, dtype_name, size, int(spec.get("repeats", 5)), float(spec.get("matmul_seconds", 6.0))
        )
        for dtype_name in ("float32", "bfloat16")
    }
    rates = {dtype_name: detail.pop("gflops") * 1e9 for dtype_name, detail in details.items()}
    # numpy float32 for comparison (OpenBLAS; not the floor TF models run at).
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a
    times = []
    for _ in range(3):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    rates["numpy_float32"] = 2 * size**3 / statistics.median(times)
    result.update(
        matmul_size=size,
        gflops=rates and {k: v / 1e9 for k, v in rates.items()},
        details=details,
        median_s=details["float32"]["median_s"],
        versions={"tensorflow": tf.__version__, "numpy": np.__version__},
    )
