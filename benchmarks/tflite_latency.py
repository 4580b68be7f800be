"""LiteRT (TFLite) latency against TF for the base config: `python -m benchmarks.tflite_latency`.

Exports a random-weight base-4096 `LongformerModel` with `tf_longformer.export.tflite`
(builtin ops, dynamic length) once per `--quantize` variant (float32, float16 weights,
dynamic-range int8), then times, in this one process, the TF graph (`tf.function`) and each
LiteRT model on the same inputs (batch 1, one global token) at each length: median of
`--repeats` runs after one warm-up. Prints one table with each model's time against the
float32 LiteRT model and the TF graph of the same run (target: float32 LiteRT / TF
at most 1.5; the float16 and int8 exports against float32), and the max abs
difference of the outputs from TF's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import tensorflow as tf

from benchmarks import machine
from benchmarks.timing import median_seconds

VARIANTS = {"float32": None, "float16": "float16", "int8": "dynamic_int8"}  # name -> export's `quantize`


def export_runners(model, directory: str, variants) -> dict:
    """{variant: LiteRT signature runner} of `model` exported once per variant."""
    from ai_edge_litert.interpreter import Interpreter

    import tf_longformer as tfl

    runners = {}
    for variant in variants:
        path = os.path.join(directory, f"base-{variant}.tflite")
        start = time.perf_counter()
        tfl.export.tflite(model, path, quantize=VARIANTS[variant])
        print(f"# export {variant}: {time.perf_counter() - start:.1f} s, {os.path.getsize(path) / 1e6:.0f} MB")
        runners[variant] = Interpreter(model_path=path).get_signature_runner("serving_default")
    return runners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--quantize", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    variants = ["float32"] + [v for v in args.quantize if v != "float32"]  # float32 is the baseline

    import tf_longformer as tfl

    config = tfl.LongformerConfig(
        attention_window=512, max_position_embeddings=4098, vocab_size=50265, num_hidden_layers=args.layers
    )
    model = tfl.LongformerModel(config)
    model.build()
    with tempfile.TemporaryDirectory() as directory:
        runners = export_runners(model, directory, variants)
        forward = tf.function(
            lambda ids, mask, global_mask: (
                model(input_ids=ids, attention_mask=mask, global_attention_mask=global_mask).last_hidden_state
            )
        )
        print(f"# CPU: {machine.cpu_description()}; load average {machine.load_average()}; TF threads: default")
        print("| length | model | s | / LiteRT float32 | / TF graph | max abs diff vs TF |")
        print("|---:|---|---:|---:|---:|---:|")
        rng = np.random.default_rng(0)
        for length in args.lengths:
            ids = rng.integers(3, config.vocab_size, size=(1, length)).astype(np.int32)
            mask = np.ones_like(ids)
            global_mask = np.zeros_like(ids)
            global_mask[:, 0] = 1
            # The closures run within this iteration, on its arrays.
            tf_seconds = median_seconds(lambda: forward(ids, mask, global_mask).numpy(), args.repeats)  # noqa: B023
            print(f"| {length} | TF graph | {tf_seconds:.2f} | | 1.00 | |", flush=True)
            reference = forward(ids, mask, global_mask).numpy()
            baseline = None
            for variant, runner in runners.items():

                def lite(runner=runner):
                    return runner(input_ids=ids, attention_mask=mask, global_attention_mask=global_mask)  # noqa: B023

                seconds = median_seconds(lite, args.repeats)
                baseline = baseline or seconds
                difference = np.abs(lite()["last_hidden_state"] - reference).max()
                print(
                    f"| {length} | LiteRT {variant} | {seconds:.2f} | {seconds / baseline:.2f} | "
                    f"{seconds / tf_seconds:.2f} | {difference:.1e} |",
                    flush=True,
                )
        print(f"# load average after: {machine.load_average()}")


if __name__ == "__main__":
    main()
