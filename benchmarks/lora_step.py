"""A LoRA training step against a full fine-tuning step: `python -m benchmarks.lora_step`.

Sequence classification, base config (12 layers, hidden 768, window 512), batch 1, one
global token, Adam, the model's own loss; each mode in its own fresh process, so its peak
resident memory (VmHWM) is its own. `lora` is `model.enable_lora(rank)` (local and global
query/value of every layer; the backbone frozen, the classifier trained).

    python -m benchmarks.lora_step                     # n = 4096, ~5 min on 2 cores
    python -m benchmarks.lora_step --length 1024       # ~1 min
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks import flops, fresh_process, machine, training
from benchmarks.workloads import measure

MODES = ("full", "lora")


def measure_one(mode: str, length: int, rank: int, repeats: int) -> dict:
    """Runs in a fresh process: first step, median step, peak RSS, trainable parameters."""
    import keras
    import numpy as np
    import tensorflow as tf

    import tf_longformer as tfl
    from benchmarks.timing import median_seconds

    config = tfl.LongformerConfig(**{**flops.BASE_4096, "max_position_embeddings": length + 2}, num_labels=2)
    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification(config)
    model.build()
    if mode == "lora":
        model.enable_lora(rank)
    input_ids = np.random.default_rng(0).integers(3, config.vocab_size, (1, length)).astype("int32")
    input_ids[:, 0] = config.bos_token_id
    global_attention_mask = np.zeros_like(input_ids)
    global_attention_mask[:, 0] = 1
    arguments = (input_ids, np.ones_like(input_ids), global_attention_mask, np.array([1], "int32"))
    step = training.train_step_function(tf, keras, model, 1e-5)
    start = time.perf_counter()
    step(*arguments).numpy()
    first_s = time.perf_counter() - start
    return {
        "mode": mode,
        "first_step_s": first_s,
        "step_s": median_seconds(lambda: step(*arguments).numpy(), repeats),
        "peak_rss_mb": measure.peak_rss_mb(),
        "trainable_parameters": int(sum(np.prod(v.shape) for v in model.trainable_variables)),
    }


def report(results: list[dict], length: int, rank: int) -> str:
    full, lora = results
    lines = [
        f"One training step, sequence classification, base config, n = {length}, batch 1, one global token, "
        f"Adam; LoRA rank {rank} on query/value/query_global/value_global of every layer.",
        "\n".join(machine.header_lines()) + f"; load average {machine.load_average()}",
        "",
        "| | full fine-tuning | LoRA | LoRA / full |",
        "|---|---:|---:|---:|",
    ]
    for key, label, scale, digits in (
        ("step_s", "step (s, median)", 1, 3),
        ("first_step_s", "first step (s, trace included)", 1, 1),
        ("peak_rss_mb", "peak RSS (MB)", 1, 0),
        ("trainable_parameters", "trainable parameters (M)", 1e-6, 2),
    ):
        a, b = full[key] * scale, lora[key] * scale
        lines.append(f"| {label} | {a:.{digits}f} | {b:.{digits}f} | {b / a:.2f}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lora_step")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # internal: MODE JSON_PATH
    args = parser.parse_args(argv)
    if args.one:
        mode, path = args.one
        with open(path, "w", encoding="utf-8") as file:
            json.dump(measure_one(mode, args.length, args.rank, args.repeats), file)
        return 0
    results = []
    for mode in MODES:
        arguments = ["--length", str(args.length), "--rank", str(args.rank), "--repeats", str(args.repeats)]
        results.append(fresh_process.run_for_json("benchmarks.lora_step", [*arguments, "--one", mode]))
        print(f"{mode}: step {results[-1]['step_s']:.3f} s", file=sys.stderr, flush=True)
    print(report(results, args.length, args.rank))
    return 0


if __name__ == "__main__":
    sys.exit(main())
