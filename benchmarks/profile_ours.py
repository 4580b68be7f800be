"""Where one tf_longformer layer spends its time: `python -m benchmarks.profile_ours`.

Times (median, tf.function, batch 1, one global token) one `LongformerLayer` of the chosen
config and its parts, and sets each against its float32 matmul floor measured in the same
process, so the part that is furthest from its floor shows:

    layer                   the whole LongformerLayer
    attention block         LongformerAttention (self-attention + output projection + LN)
    self-attention          LongformerSelfAttention (projections + banded/global attention)
      local q/k/v proj      the local query/key/value projections over n tokens (one matmul)
      attention op          the self-attention minus those: banded attention, and the global
                            rows (their key/value projections folded into the g queries, see
                            tf_longformer/ops/global_attention.py)
    feed-forward            LongformerFeedForward (intermediate + output + LN)
    matmul n×h×h            one plain tf.matmul of that shape, for comparison

Layer internals are read by attribute name; a part that is not found is reported as n/a
(the package is being optimised, so names may move).

    python -m benchmarks.profile_ours --length 4096            # base config, one layer
    python -m benchmarks.profile_ours --model tiny --length 512
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from benchmarks import flops
from benchmarks.run import MODELS, model_for


def timed(fn, repeats: int) -> float:
    fn()  # trace + warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_ours")
    parser.add_argument("--model", choices=sorted(MODELS), default="base")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)

    import keras
    import numpy as np
    import tensorflow as tf

    import tf_longformer

    cfg = model_for(args.model, args.length)
    n = flops.padded_length(args.length, cfg["attention_window"])
    h, inter, w, heads = (
        cfg["hidden_size"],
        cfg["intermediate_size"],
        cfg["attention_window"],
        cfg["num_attention_heads"],
    )
    keras.utils.set_random_seed(0)
    layer = tf_longformer.LongformerLayer(h, heads, inter, w)
    layer.build((None, None, h))
    hidden = tf.random.normal((1, n, h))
    mask = np.ones((1, n), np.int32)
    mask[0, 0] = 2  # merged mask: 2 = global
    mask = tf.constant(mask)

    # The matmul rate in this process.
    a = tf.random.normal((2048, 2048))
    mm = tf.function(lambda x: tf.matmul(x, x))
    rate = 2 * 2048**3 / timed(lambda: mm(a).numpy(), args.repeats)

    rows: list[tuple[str, float | None, float | None]] = []

    def part(name, fn, flop_count):
        try:
            fn_t = tf.function(fn)
            seconds = timed(lambda: tf.nest.map_structure(lambda t: t.numpy(), fn_t()), args.repeats)
        except Exception as error:  # noqa: BLE001 - internals may have moved
            print(f"  {name}: n/a ({type(error).__name__}: {str(error).splitlines()[0][:100]})", file=sys.stderr)
            seconds = None
        rows.append((name, seconds, flop_count))
        return seconds

    band = 2 * 2 * n * (w + 1) * h + 2 * 2 * n * 1 * h * 2
    proj = 2 * n * h * h
    ffn = 2 * 2 * n * h * inter
    part("layer", lambda: layer(hidden, mask), flops.layer_forward_flops(n, h, inter, w, minimal=True))
    attention = getattr(layer, "attention", None)
    self_attention = getattr(attention, "self_attention", None)
    part("attention block", lambda: attention(hidden, mask), 4 * proj + band)
    t_self = part("self-attention", lambda: self_attention(hidden, mask), 3 * proj + band)
    t_local = part(
        "  local q/k/v proj",
        lambda: self_attention._local_projections(hidden, 1.0),  # one matmul against the three kernels
        3 * proj,
    )
    if t_self and t_local:
        rows.append(("  attention op (rest)", t_self - t_local, band))
    ff = getattr(layer, "feed_forward", None)
    part("feed-forward", lambda: ff(hidden), ffn)
    x2 = tf.reshape(hidden, (n, h))
    weight = tf.random.normal((h, h))
    part("matmul n×h×h (plain)", lambda: tf.matmul(x2, weight), proj)

    print(
        f"# one LongformerLayer, {args.model} config, n={n}, hidden {h}, window {w}; "
        f"tf.matmul float32 {rate / 1e9:.0f} GFLOP/s"
    )
    print(f"{'part':<28} {'ms':>9} {'GFLOP':>8} {'floor ms':>9} {'x floor':>8}")
    out = []
    for name, seconds, count in rows:
        floor = count / rate
        ratio = f"{seconds / floor:8.2f}" if seconds else "     n/a"
        ms = f"{seconds * 1e3:9.1f}" if seconds else "      n/a"
        print(f"{name:<28} {ms} {count / 1e9:8.2f} {floor * 1e3:9.1f} {ratio}")
        out.append(dict(part=name.strip(), seconds=seconds, gflop=count / 1e9, floor_s=floor))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(model=args.model, n=n, rate_gflops=rate / 1e9, parts=out), handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
