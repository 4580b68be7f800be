"""Wall-clock timing shared by the single-process benchmarks (only the standard library)."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of `run()` over `repeats` calls, after one untimed call (trace and warm-up)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
