"""The machine a benchmark ran on, and its float32 / bfloat16 matmul floors.

Figures from different CPUs (the CI machine kind has been an AVX2-only AMD EPYC, an AMD
EPYC with AVX-512 + AVX512-BF16, and an Intel Xeon with AMX) are only comparable against
the floor of their own machine and their own dtype. Every table header of the suite names
the CPU (`cpu_description`) and the two `tf.matmul` rates (`floors_line`), and each
implementation is set against the floor of the dtype its matmuls run in (`floor_dtype`).

Only the standard library at import time: `benchmarks.run` (which never imports a
framework) uses it too; `matmul_rate` takes the caller's TensorFlow module.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

#: /proc/cpuinfo flag -> how the tables name it; the features that change TensorFlow's
#: matmul kernels (oneDNN picks AVX-512 BF16 dot products or AMX tiles for bfloat16).
FEATURES = {
    "avx2": "AVX2",
    "avx512f": "AVX-512F",
    "avx512_bf16": "AVX512-BF16",
    "amx_bf16": "AMX-BF16",
}

#: implementation name -> the dtype its matmuls run in (the rest run in float32).
BFLOAT16_IMPLS = frozenset({"ours-bf16", "ours-bf16-xla"})


def _cpuinfo() -> tuple[str, set[str]]:
    """The first processor's model name and flags from /proc/cpuinfo (empty where unreadable)."""
    model, flags = "", set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return model, flags
    for line in text.splitlines():
        if line.startswith("model name") and not model:
            model = line.split(":", 1)[1].strip()
        elif line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
    return model, flags


def cpu_model() -> str:
    return _cpuinfo()[0] or platform.processor() or platform.machine() or "unknown CPU"


def cpu_features() -> list[str]:
    """The `FEATURES` this CPU has, by their table names, in `FEATURES` order."""
    flags = _cpuinfo()[1]
    return [name for flag, name in FEATURES.items() if flag in flags]


def has_bf16_units() -> bool:
    """Whether bfloat16 matmuls can beat float32 ones here (AVX512-BF16 or AMX-BF16)."""
    return bool({"AVX512-BF16", "AMX-BF16"} & set(cpu_features()))


def cpu_description() -> str:
    """'AMD EPYC, 2 logical CPUs; AVX2, AVX-512F, AVX512-BF16, no AMX-BF16'."""
    features = cpu_features()
    missing = [name for name in FEATURES.values() if name not in features]
    listed = ", ".join(features + [f"no {name}" for name in missing])
    return f"{cpu_model()}, {os.cpu_count()} logical CPUs; {listed}"


def floor_dtype(impl: str, dtype_policy: str | None = None) -> str:
    """'bfloat16' for an implementation whose matmuls run in bfloat16, else 'float32'."""
    if impl in BFLOAT16_IMPLS or (dtype_policy or "").endswith("bfloat16"):
        return "bfloat16"
    return "float32"


def floors_line(rate_float32: float | None, rate_bfloat16: float | None, size: int | None = None) -> str:
    """One line for a table header: both matmul rates (GFLOP/s) and their ratio."""

    def shown(rate):
        return "not measured" if not rate else f"{rate:.0f} GFLOP/s"

    speedup = f" (bfloat16 / float32 {rate_bfloat16 / rate_float32:.2f}×)" if rate_float32 and rate_bfloat16 else ""
    where = f" `tf.matmul` {size}²" if size else " `tf.matmul`"
    return f"Floors:{where} float32 {shown(rate_float32)}, bfloat16 {shown(rate_bfloat16)}{speedup}"


def header_lines(rate_float32: float | None = None, rate_bfloat16: float | None = None, size=None) -> list[str]:
    """The CPU line and, when measured, the floors line: what every table is preceded by."""
    lines = [f"CPU: {cpu_description()}"]
    if rate_float32 or rate_bfloat16:
        lines.append(floors_line(rate_float32, rate_bfloat16, size))
    return lines


def matmul_rate(tf, dtype_name: str, size: int = 2048, repeats: int = 5, seconds: float = 6.0) -> dict:
    """The `tf.matmul` rate of square `size` matrices of `dtype_name` in this process.

    Returns {"gflops": median rate, "times_s": the timed runs, "median_s": their median};
    one untimed warm-up (trace, weight packing), then up to `repeats` runs, stopping after
    `seconds` once two are in.
    """
    dtype = getattr(tf, dtype_name)
    a = tf.cast(tf.random.normal((size, size), seed=1), dtype)
    b = tf.cast(tf.random.normal((size, size), seed=2), dtype)
    matmul = tf.function(lambda x, y: tf.matmul(x, y))
    matmul(a, b).numpy()
    times = []
    budget_end = time.perf_counter() + seconds
    for _ in range(repeats):
        start = time.perf_counter()
        matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
        if time.perf_counter() > budget_end and len(times) >= 2:
            break
    median = statistics.median(times)
    return {"gflops": 2 * size**3 / median / 1e9, "times_s": times, "median_s": median}


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    print("\n".join(header_lines()))
