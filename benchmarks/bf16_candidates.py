"""Candidate fixes for the `mixed_bfloat16` gap, timed on base-4096 shapes: `python -m benchmarks.bf16_candidates`.

`profile_ours` shows where a bf16 layer's time goes; this times, side by side in one
process, the ways each of the costly non-matmul parts could be computed instead (issue 18),
so a package change can start from measured figures:

    GELU on [n, I]            exact (erf) in bf16, as the layer runs it; in float32 then cast
                              back; the tanh approximation in bf16
    mask + softmax            the package's (cast scores to float32, `where` with the band
                              mask, softmax); the same with an additive float32 bias instead
                              of `where`; `where` + softmax in bf16
    bias add after a matmul   Keras Dense (`matmul` + `add`) against `tf.nn.bias_add` and the
                              bare matmul (whether the add is fused with the matmul), and with
                              the GELU after it (whether oneDNN fuses MatMul + BiasAdd + GELU)
    attention dropout         `ops.dropout.stateless_dropout` on the bf16 probabilities, and
                              a dropout drawn in bf16-sized words

Median ms of `--repeats` runs in `tf.function` after one warm-up; then how far a bf16
softmax is from float32's (what decided `AttentionOptions.softmax_dtype`).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import machine
from benchmarks.timing import median_seconds

# Values as the layer sees them (erf's speed depends on the range): the kernels' initializer
# stddev, and pre-activations of unit-variance inputs through such a kernel (~0.02 * sqrt(768)).
INITIALIZER_RANGE = 0.02
ACTIVATION_STD = 0.55


def median_ms(tf, fn, repeats: int) -> float:
    # CPU calls return once the outputs exist; `.numpy()` would time a copy.
    return median_seconds(tf.function(fn, autograph=False), repeats) * 1e3


def gelu_candidates(tf, n: int, inter: int) -> dict:
    x = tf.cast(tf.random.normal((n, inter), stddev=ACTIVATION_STD, seed=1), tf.bfloat16)
    return {
        "GELU exact, bf16 (the layer before; fused now)": lambda: tf.nn.gelu(x, approximate=False),
        "GELU exact, float32 inside (the layer in training)": lambda: tf.cast(
            tf.nn.gelu(tf.cast(x, tf.float32), approximate=False), x.dtype
        ),
        "GELU tanh approximation, bf16": lambda: tf.nn.gelu(x, approximate=True),
    }


def softmax_candidates(tf, heads: int, blocks: int, block: int, frame: int) -> dict:
    scores = tf.cast(tf.random.normal((1, heads, blocks, block, frame), seed=2), tf.bfloat16)
    allowed = tf.random.uniform((1, 1, blocks, block, frame), seed=3) < 0.7
    bias = tf.where(allowed, 0.0, tf.float32.min)

    def package():
        return tf.cast(tf.nn.softmax(tf.where(allowed, tf.cast(scores, tf.float32), tf.float32.min)), tf.bfloat16)

    return {
        "cast + where + softmax f32 + cast (without oneDNN)": package,
        "cast + additive mask + softmax f32 + cast": lambda: tf.cast(
            tf.nn.softmax(tf.cast(scores, tf.float32) + bias), tf.bfloat16
        ),
        "where + softmax in bf16 (the layer under oneDNN)": lambda: tf.nn.softmax(
            tf.where(allowed, scores, tf.bfloat16.min)
        ),
    }


def bias_candidates(tf, n: int, hidden: int, inter: int) -> dict:
    x = tf.cast(tf.random.normal((n, hidden), seed=4), tf.bfloat16)
    kernel = tf.cast(tf.random.normal((hidden, inter), stddev=INITIALIZER_RANGE, seed=5), tf.bfloat16)
    bias = tf.cast(tf.random.normal((inter,), seed=6), tf.bfloat16)
    return {
        "matmul + add (Keras Dense)": lambda: tf.matmul(x, kernel) + bias,
        "matmul + tf.nn.bias_add": lambda: tf.nn.bias_add(tf.matmul(x, kernel), bias),
        "matmul alone": lambda: tf.matmul(x, kernel),
        "matmul + add + GELU exact (the layer before)": lambda: tf.nn.gelu(
            tf.matmul(x, kernel) + bias, approximate=False
        ),
        "matmul + bias_add + GELU exact (the layer: fused)": lambda: tf.nn.gelu(
            tf.nn.bias_add(tf.matmul(x, kernel), bias), approximate=False
        ),
    }


def dropout_candidates(tf, heads: int, blocks: int, block: int, frame: int) -> dict:
    from tf_longformer.ops.dropout import stateless_dropout

    probs = tf.cast(tf.random.uniform((1, heads, blocks, block, frame), seed=7), tf.bfloat16)
    seed = tf.constant([1, 2], tf.int32)
    return {
        "stateless_dropout (the layer)": lambda: stateless_dropout(probs, 0.1, seed, salt=0),
        "random bits alone": lambda: tf.random.stateless_uniform(
            [tf.size(probs) // 2], seed=seed, minval=None, maxval=None, dtype=tf.uint32
        ),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bf16_candidates")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import tensorflow as tf

    n, hidden, inter, heads, window = args.length, 768, 3072, 12, 512
    block, frame = window // 2, 1 + window // 2 + window  # one global slot + c + 2w
    blocks = -(-n // block)
    groups = {
        "GELU on [n, I]": gelu_candidates(tf, n, inter),
        "mask + softmax on [h, nb, c, f]": softmax_candidates(tf, heads, blocks, block, frame),
        "n × h × I matmul and its bias": bias_candidates(tf, n, hidden, inter),
        "attention dropout on [h, nb, c, f]": dropout_candidates(tf, heads, blocks, block, frame),
    }
    print("\n".join(machine.header_lines()) + f"; load average {machine.load_average()}")
    print(f"n = {n}, median of {args.repeats}\n")
    print("| part | candidate | ms |")
    print("|---|---|---:|")
    for group, candidates in groups.items():
        for name, fn in candidates.items():
            print(f"| {group} | {name} | {median_ms(tf, fn, args.repeats):.1f} |", flush=True)
    print(softmax_precision(tf, heads, blocks, block, frame))
    print(f"\nload average after: {machine.load_average()}")
    return 0


def softmax_precision(tf, heads: int, blocks: int, block: int, frame: int) -> str:
    """How far the bf16 softmax is from float32's: where oneDNN runs it (TF_ENABLE_ONEDNN_OPTS
    unset or 1) it computes in float32 inside, so its error is that of rounding float32's
    probabilities to bf16; TensorFlow's own bf16 kernel (TF_ENABLE_ONEDNN_OPTS=0) sums in bf16."""
    import numpy as np

    scores = tf.cast(2.0 * tf.random.normal((1, heads, blocks, block, frame), seed=2), tf.bfloat16)
    allowed = tf.random.uniform((1, 1, blocks, block, frame), seed=3) < 0.7
    exact = tf.nn.softmax(tf.where(allowed, tf.cast(scores, tf.float32), tf.float32.min))
    in_bf16 = tf.function(lambda: tf.nn.softmax(tf.where(allowed, scores, tf.bfloat16.min)), autograph=False)()

    def max_difference(probabilities):
        return float(np.abs(tf.cast(probabilities, tf.float32).numpy() - exact.numpy()).max())

    return (
        f"\nsoftmax in bf16 (scores with std 2): max |p - p_float32| {max_difference(in_bf16):.5f}, "
        f"row sums off by up to {float(tf.reduce_max(tf.abs(tf.reduce_sum(tf.cast(in_bf16, tf.float32), -1) - 1))):.5f}; "
        f"float32's probabilities rounded to bf16: {max_difference(tf.cast(exact, tf.bfloat16)):.5f}"
    )


if __name__ == "__main__":
    sys.exit(main())
