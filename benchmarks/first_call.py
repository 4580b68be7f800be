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
    python -m benchmarks.first_call --length 4096 --workload predict   # Keras' doors: the worker's
    python -m benchmarks.first_call --length 4096 --workload fit       # predict / fit figures, printed
    python -m benchmarks.first_call --length 4096 --workload fit --gradient-checkpointing
    python -m benchmarks.first_call --length 4096 --workload fit --optimizer fused-adam

The graph's op count includes the ops of the functions it calls: the encoder traces one
function per distinct layer configuration (`tf_longformer/layers/layer_functions.py`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from benchmarks import machine


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_call")
    parser.add_argument("--model", choices=("base", "tiny"), default="base")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--workload", choices=("forward", "predict", "predict-built", "fit"), default="forward")
    parser.add_argument("--optimizer", choices=("adam", "fused-adam"), default="adam", help="with --workload fit")
    parser.add_argument(
        "--gradient-checkpointing", action="store_true", help="with --workload fit: the model recomputes its layers"
    )
    args = parser.parse_args(argv)
    if args.workload != "forward":
        return keras_door(args)

    started = time.perf_counter()
    import tf_longformer  # first: it turns oneDNN on before TensorFlow loads

    # isort: split

    import numpy as np
    import tensorflow as tf

    from benchmarks.configs import model_for

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
        outputs = model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            global_attention_mask=global_attention_mask,
            training=False,
        )
        return outputs["last_hidden_state"]

    def first_call(function):
        started = time.perf_counter()
        concrete = function.get_concrete_function()
        traced = time.perf_counter() - started
        started = time.perf_counter()
        function(ids, attention, global_mask).numpy()
        definition = concrete.graph.as_graph_def()
        ops = len(definition.node) + sum(len(f.node_def) for f in definition.library.function)
        return traced, time.perf_counter() - started, ops

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
    print(f"# CPU: {machine.cpu_description()}; load average {machine.load_average()}")
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


def keras_door(args) -> int:
    """`predict` / `fit` as the suite's worker measures them (benchmarks/workloads/keras_doors.py), in this process."""
    from benchmarks.configs import model_for

    spec = dict(
        impl="ours-ckpt" if args.gradient_checkpointing else "ours",
        workload=args.workload,
        length=args.length,
        model=model_for(args.model, args.length),
        global_tokens=1,
        optimizer=args.optimizer,
        repeats=args.repeats,
        seed=0,
    )
    result: dict = {}
    from benchmarks.workloads import ours

    ours.bench(spec, result)
    print(f"# {args.workload}, {args.model} config, length {args.length}: {result.get('mode')}")
    for name, value in result.items():
        if name.endswith("_s") or name.endswith("_times_s") or name == "times_s":
            shown = f"{value:8.2f} s" if isinstance(value, float) else ", ".join(f"{v:.2f}" for v in value) + " s"
            print(f"{name:<24} {shown}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(model=args.model, length=args.length, **result), handle, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
