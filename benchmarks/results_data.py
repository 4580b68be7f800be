"""A results JSON of `benchmarks.run` as an object: records by (impl, workload, length), floors, FLOPs."""

from __future__ import annotations

from benchmarks import flops, machine

NAMES = {
    "ours": "ours (float32)",
    "ours-bf16": "ours, mixed_bfloat16",
    "ours-xla": "ours, jit_compile=True",
    "ours-bf16-xla": "ours, mixed_bfloat16 and jit_compile=True",
    "ours-ckpt": "ours, gradient checkpointing",
    "ours-bf16-ckpt": "ours, mixed_bfloat16 and gradient checkpointing",
    "ref-tf": "reference TF (transformers 4.x, tf-keras)",
    "ref-torch": "reference PyTorch (transformers 4.x)",
    "dense-keras": "dense n×n baseline (Keras 3 MHA)",
}
ORDER = [
    "ours",
    "ours-bf16",
    "ours-xla",
    "ours-bf16-xla",
    "ours-ckpt",
    "ours-bf16-ckpt",
    "ref-tf",
    "ref-torch",
    "dense-keras",
]
MARKERS = "o^vsDhPX*"


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.01:
        return f"{value:.2g}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _gb(record: dict) -> float | None:
    mb = record.get("peak_rss_mb") or record.get("observed_peak_rss_mb")
    return None if not mb else mb / 1024


def job_flops(record: dict) -> int | None:
    cfg = record.get("spec", {}).get("model")
    if not cfg:
        return None
    n = record["length"]
    if record["impl"] == "dense-keras":
        return flops.dense_forward_flops(n, cfg)
    if record["workload"] == "forward":
        return flops.forward_flops(n, cfg)
    if record["workload"] == "train":
        return flops.train_step_flops(n, cfg, checkpointing=record["impl"] == "ours-ckpt")
    return None


class Results:
    def __init__(self, data: dict):
        self.run = data["run"]
        self.records = data["records"]
        matmul = next((r for r in self.records if r["workload"] == "matmul" and r.get("ok")), None)
        self.matmul = matmul
        rates = (matmul or {}).get("gflops", {})
        self.rate_f32 = rates.get("float32", 0) * 1e9 or None
        self.rate_bf16 = rates.get("bfloat16", 0) * 1e9 or None

    def get(self, impl: str, workload: str, length: int) -> dict | None:
        for record in self.records:
            if record["impl"] == impl and record["workload"] == workload and record["length"] == length:
                return record
        return None

    def median(self, impl: str, workload: str, length: int) -> float | None:
        record = self.get(impl, workload, length)
        return record["median_s"] if record and record.get("ok") else None

    def lengths(self, workload: str) -> list[int]:
        return sorted({r["length"] for r in self.records if r["workload"] == workload})

    def impls(self, workload: str) -> list[str]:
        present = {r["impl"] for r in self.records if r["workload"] == workload}
        return [i for i in ORDER if i in present]

    def floor(self, record_or_flops, dtype: str = "float32") -> float | None:
        count = job_flops(record_or_flops) if isinstance(record_or_flops, dict) else record_or_flops
        rate = self.rate_f32 if dtype == "float32" else self.rate_bf16
        return None if not count or not rate else count / rate

    def own_floor(self, record: dict) -> tuple[float | None, str]:
        """The floor of the dtype the record's matmuls run in, and that dtype."""
        dtype = machine.floor_dtype(record["impl"], record.get("dtype_policy"))
        return self.floor(record, dtype), dtype

    def floors_line(self) -> str:
        """Both matmul rates of this file, for the line above every table."""
        size = self.matmul.get("matmul_size") if self.matmul else None
        return machine.floors_line(_gflops(self.rate_f32), _gflops(self.rate_bf16), size)

    def table_header(self) -> str:
        """The machine and its floors, above each table: figures from different CPUs are read
        against these."""
        return f"_{self.run.get('machine', '?')}. {self.floors_line()}._\n"


def _gflops(rate: float | None) -> float | None:
    return rate / 1e9 if rate else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not numerator or not denominator else numerator / denominator


def _model_flops(results: Results, workload: str, length: int, impl: str = "ours") -> int | None:
    record = results.get(impl, workload, length) or next(
        (
            r
            for r in results.records
            if r["workload"] == workload and r["length"] == length and r["impl"] != "dense-keras"
        ),
        None,
    )
    return job_flops(record) if record else None
