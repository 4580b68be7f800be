"""Where the first call's time goes: `python -m benchmarks.first_call --length 4096`.

The suite's "first call" column is one number (trace + graph optimisation + first run).
This splits it for `LongformerModel` in a `tf.function` with a `[None, None]` signature, as
the suite runs it, into:

    import          importing tf_longformer (TensorFlow, Keras)
    build           creating the weights
    trace           Python tracing of the forward graph (`get_concrete_function`); the graph's op count
    first run       the first execution: Grappler's graph optimisation, kernel creation, the run itself
    first run, no Grappler
                    the same in a second function traced from the same code with Grappler off
                    (the difference is Grappler's share)
    steady run      median of the runs after that

The lower bound of a first call is trace + steady run: the ops are created once in Python
and run once.

    python -m benchmarks.first_call --length 4096                 # base config
    python -m benchmarks.first_call --model tiny --length 512     # seconds
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_call")
    parser.add_argument("--model", choices=("base", "tiny"), default="base")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    import tf_longformer  # first: it turns oneDNN on before TensorFlow loads

    import numpy as np
    import tensorflow as tf

    from benchmarks.run import model_for

    figures = {"import_s": time.perf_counter() - started}
    config = tf_longformer.LongformerConfig(**model_for(args.model, args.length))
    started = time.perf_counter()
    model = tf_longformer.LongformerModel(config)
    model.build(None)
    figures["build_s"] = time.perf_counter() - started

    rng = np.random.default_rng(0)
    ids = rng.integers(3, config.vocab_size, size=(1, args.length)).astype(np.int32)
    ids[0, 0] = 0
    attention = np.ones_like(ids)
    global_mask = np.zeros_like(ids)
    global_mask[0, 0] = 1
    signature = [tf.TensorSpec([None, None], tf.int32)] * 3

    def forward(input_ids, attention_mask, global_attention_mask):
        outputs = model(input_ids=input_ids, attention_mask=attention_mask,
                        global_attention_mask=global_attention_mask, training=False)
        return outputs["last_hidden_state"]

    def first_call(function):
        started = time.perf_counter()
        concrete = function.get_concrete_function()
        traced = time.perf_counter() - started
        started = time.perf_counter()
        function(ids, attention, global_mask).numpy()
        return traced, time.perf_counter() - started, len(concrete.graph.get_operations())

    function = tf.function(forward, input_signature=signature)
    figures["trace_s"], figures["first_run_s"], figures["graph_ops"] = first_call(function)
    times = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        function(ids, attention, global_mask).numpy()
        times.append(time.perf_counter() - started)
    figures["steady_run_s"] = statistics.median(times)

    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    _, figures["first_run_no_grappler_s"], _ = first_call(tf.function(forward, input_signature=signature))

    first = figures["trace_s"] + figures["first_run_s"]
    print(f"# LongformerModel, {args.model} config, length {args.length}, tf.function [None, None] signature")
    rows = [
        ("import", figures["import_s"]),
        ("build", figures["build_s"]),
        (f"trace ({figures['graph_ops']} ops)", figures["trace_s"]),
        ("first run", figures["first_run_s"]),
        ("first run, no Grappler", figures["first_run_no_grappler_s"]),
        ("steady run (median)", figures["steady_run_s"]),
        ("first call = trace + first run", first),
        ("lower bound = trace + steady run", figures["trace_s"] + figures["steady_run_s"]),
    ]
    for name, seconds in rows:
        print(f"{name:<36} {seconds:8.2f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(model=args.model, length=args.length, **figures), handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
