"""Where a training step's time goes, by dtype: `python -m benchmarks.profile_train_step`.

One training step of sequence classification (Adam, base config, batch 1, one global
token, attention and hidden dropout 0.1, the model's own loss) under each `--dtype-policy`, each in its own
process, traced with TensorFlow's profiler. TensorFlow runs independent ops side by side,
so the profiler's op durations overlap and do not add up to the step; here the inter-op
pool has one thread, so ops run one after another and their durations add up to the step
(within the profiler's own overhead). Each op is put in a region by its name (the Adam
update, the backward pass with the recomputed attention, the forward pass) and a group
(the matmuls, the random bits of dropout, everything else by op type).

The point: a bfloat16 step can only be as much faster than a float32 one as its
matmuls are, diluted by the work that costs the same in both dtypes. With M the matmul time
and N the rest, float32 / bfloat16 = (M32 + N32) / (M16 + N16).

    python -m benchmarks.profile_train_step                    # 12 layers, both dtypes, ~5 min
    python -m benchmarks.profile_train_step --layers 2         # ~1 min
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile

from benchmarks import flops, fresh_process, machine, training

MATMUL_OPS = frozenset(
    {"MatMul", "BatchMatMulV2", "_FusedMatMul", "_MklMatMul", "_MklBatchMatMulV2", "_MklNativeFusedMatMul"}
)
# Ops of the function machinery, not kernels (their time contains the kernels').
CONTAINERS = ("ExecutorState", "EagerLocalExecute", "KernelAndDeviceFunc", "__inference", "Process", "Run")


def region_of(op_name: str) -> str:
    lowered = op_name.lower()
    if "adam" in lowered:
        return "Adam update"
    return "backward" if "gradient" in lowered else "forward"


def group_of(op_type: str) -> str:
    if op_type in MATMUL_OPS:
        return "matmuls"
    if op_type.startswith("StatelessRandom"):
        return "random bits (dropout)"
    return op_type


def profile_one(policy: str, layers: int, length: int, repeats: int) -> dict:
    """Runs in a fresh process: the step time and {region: {group: ms}} of one profiled step."""
    import glob

    import keras
    import numpy as np
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    import tf_longformer as tfl
    from benchmarks.timing import median_seconds

    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.mixed_precision.set_global_policy(policy)
    config = tfl.LongformerConfig(
        **{**flops.BASE_4096, "num_hidden_layers": layers, "max_position_embeddings": length + 2}, num_labels=2
    )
    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification(config)
    input_ids = np.random.default_rng(0).integers(3, config.vocab_size, (1, length)).astype("int32")
    input_ids[:, 0] = config.bos_token_id
    attention_mask = np.ones_like(input_ids)
    global_attention_mask = np.zeros_like(input_ids)
    global_attention_mask[:, 0] = 1
    labels = np.array([1], "int32")
    step = training.train_step_function(tf, keras, model, 1e-5)

    def train_step():
        return step(input_ids, attention_mask, global_attention_mask, labels)

    train_step()
    step_s = median_seconds(lambda: train_step().numpy(), repeats)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        train_step().numpy()
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        with open(sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1], "rb") as file:
            space.ParseFromString(file.read())
    times: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or name.startswith(CONTAINERS):
                    continue
                op_name, op_type = name.rsplit(":", 1)
                times[region_of(op_name)][group_of(op_type)] += event.duration_ps / 1e9
    return {"policy": policy, "step_s": step_s, "ms": {region: dict(groups) for region, groups in times.items()}}


def report(results: list[dict], layers: int, length: int) -> str:
    policies = [result["policy"] for result in results]
    lines = [
        f"One training step, base config with {layers} layers, n = {length}, batch 1, one global token, "
        "Adam; inter-op pool of one thread (ops run one at a time).",
        "\n".join(machine.header_lines()) + f"; load average {machine.load_average()}",
        "",
        "| | " + " | ".join(f"{policy} ms" for policy in policies) + " | float32 / bf16 |",
        "|---|" + "---:|" * (len(policies) + 1),
    ]

    def row(label, values):
        ratio = f"{values[0] / values[-1]:.2f}×" if len(values) > 1 and values[-1] else ""
        lines.append(f"| {label} | " + " | ".join(f"{value:.0f}" for value in values) + f" | {ratio} |")

    row("step (wall, median)", [1e3 * result["step_s"] for result in results])
    regions = ["forward", "backward", "Adam update"]
    totals = {kind: [0.0] * len(results) for kind in ("matmuls", "rest")}
    for region in regions:
        groups = collections.Counter()
        for result in results:
            groups.update(result["ms"].get(region, {}))
        for group, _ in groups.most_common(8):
            row(f"{region}: {group}", [result["ms"].get(region, {}).get(group, 0.0) for result in results])
        for index, result in enumerate(results):
            spent = result["ms"].get(region, {})
            totals["matmuls"][index] += spent.get("matmuls", 0.0)
            totals["rest"][index] += sum(ms for group, ms in spent.items() if group != "matmuls")
    row("**all matmuls (M)**", totals["matmuls"])
    row("**all the rest (N)**", totals["rest"])
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_train_step")
    parser.add_argument("--dtype-policy", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: profile one policy, write JSON here
    args = parser.parse_args(argv)
    if args.one:
        result = profile_one(args.dtype_policy[0], args.layers, args.length, args.repeats)
        with open(args.one, "w", encoding="utf-8") as file:
            json.dump(result, file)
        return 0
    results = []
    for policy in args.dtype_policy:
        arguments = ["--dtype-policy", policy, "--layers", str(args.layers), "--length", str(args.length)]
        arguments += ["--repeats", str(args.repeats), "--one"]
        results.append(fresh_process.run_for_json("benchmarks.profile_train_step", arguments))
        print(f"{policy}: step {results[-1]['step_s']:.3f} s", file=sys.stderr, flush=True)
    print(report(results, args.layers, args.length))
    return 0


if __name__ == "__main__":
    sys.exit(main())
