"""LiteRT (TFLite) latency against TF for the base config: `python -m benchmarks.tflite_latency`.

Exports a random-weight base-4096 `LongformerModel` with `tf_longformer.export.tflite`
(float32, builtin ops, dynamic length), then times, in this one process, the TF graph
(`tf.function`) and the LiteRT interpreter on the same inputs (batch 1, one global token)
at each length: median of `--repeats` runs after one warm-up. Prints a table with the ratio
LiteRT / TF (issue 6 target: at most 1.5) and the max abs difference of the outputs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf


def median_seconds(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", type=int, default=12)
    args = parser.parse_args()

    from ai_edge_litert.interpreter import Interpreter

    import tf_longformer as tfl

    config = tfl.LongformerConfig(
        attention_window=512, max_position_embeddings=4098, vocab_size=50265, num_hidden_layers=args.layers
    )
    model = tfl.LongformerModel(config)
    model.build()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "base.tflite")
        start = time.perf_counter()
        tfl.export.tflite(model, path)
        print(f"# export: {time.perf_counter() - start:.1f} s, {os.path.getsize(path) / 1e6:.0f} MB")
        runner = Interpreter(model_path=path).get_signature_runner("serving_default")
        forward = tf.function(
            lambda ids, mask, global_mask: (
                model(input_ids=ids, attention_mask=mask, global_attention_mask=global_mask).last_hidden_state
            )
        )
        print(f"# load average {os.getloadavg()[0]:.2f}; TF threads: default")
        print("| length | TF graph s | LiteRT s | LiteRT / TF | max abs diff |")
        print("|---:|---:|---:|---:|---:|")
        rng = np.random.default_rng(0)
        for length in args.lengths:
            ids = rng.integers(3, config.vocab_size, size=(1, length)).astype(np.int32)
            mask = np.ones_like(ids)
            global_mask = np.zeros_like(ids)
            global_mask[:, 0] = 1
            # The closures run within this iteration, on its arrays.
            tf_seconds = median_seconds(lambda: forward(ids, mask, global_mask).numpy(), args.repeats)  # noqa: B023

            def lite():
                return runner(input_ids=ids, attention_mask=mask, global_attention_mask=global_mask)  # noqa: B023

            lite_seconds = median_seconds(lite, args.repeats)
            difference = np.abs(lite()["last_hidden_state"] - forward(ids, mask, global_mask).numpy()).max()
            print(
                f"| {length} | {tf_seconds:.2f} | {lite_seconds:.2f} | {lite_seconds / tf_seconds:.2f} | {difference:.1e} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
