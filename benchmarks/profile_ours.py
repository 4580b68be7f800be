"""Where one tf_longformer layer spends its time, by dtype: `python -m benchmarks.profile_ours`.

Times (median, `tf.function`, batch 1, one global token, inference) one `LongformerLayer`
of the chosen config and its parts, under each `--dtype-policy` (`float32`,
`mixed_bfloat16`), and sets each part against the `tf.matmul` floor of the dtype its
matmuls run in (float32 or bfloat16), both rates measured in the same process:

    layer                          the whole LongformerLayer
    attention block                LongformerAttention (self-attention, output projection, LN)
      local q/k/v projections      `_local_projections`: weight casts, one matmul, head split
      attention op                 `ops.attention.longformer_attention` on given projections:
        framed k/v gathers           each query block's g + c + 2w keys and values
        banded scores matmul         [c, d] x [d, f] per block (blocked: f = g + c + 2w
                                     columns computed, w + 1 of them in the band)
        scores/probs casts           compute dtype -> softmax dtype -> compute dtype (no-ops where
                                     they are the same: float32, and bfloat16 under oneDNN)
        mask + softmax               `tf.where` with the band mask and softmax, in the dtype
                                     `AttentionOptions.local_softmax_dtype` picks
        banded context matmul        [c, f] x [f, d] per block
        global rows                  `global_rows_attention` (folded projections, float32 softmax)
        merge rows                   global rows gathered in, padding rows zeroed
      merge heads + output matmul  transpose back to [n, hidden] and the n x h x h product
      bias + residual + LayerNorm  `ResidualProjection(kernel_applied=True)`; LN in float32
    feed-forward block             LongformerFeedForward
      intermediate + activation    n x h x I matmul, bias_add and GELU (erf) as `ops.feed_forward`
                                   runs them at inference (one fused oneDNN kernel where Grappler
                                   fuses them)
      output matmul + bias         n x I x h
      residual + LayerNorm         the add and Keras' LayerNormalization (float32 inside)
    (not in the layer's sum)
    weight casts                   every kernel/bias of the layer float32 -> compute dtype (the
                                   q/k/v ones are inside "local q/k/v projections" too)
    attention dropout (training)   `stateless_dropout(p=0.1)` on the probabilities
    layout (once per window)       masks and frame positions; the encoder builds it once for
                                   all 12 layers
    matmul n x h x h (plain)       one tf.matmul of that shape in the compute dtype

The leaf rows (the indented ones without children) add up to about the whole layer (the
"sum of leaf parts" row). FLOPs are matmuls only (benchmarks/flops.py); the exact band is
counted for "attention op", the blocked product actually computed for the two banded
matmuls, so their "× floor" is the matmul kernel's own efficiency and the gap between the
two is the blocking's waste. Parts without matmuls have no floor of their own: the "ms /
layer floor" column sets every part against the floor of the whole layer, so the parts that
eat the budget show whatever they are.

The parts re-create a few lines of `ops/attention.py` (the framed gathers, scores, softmax
and context as that function runs them) on the package's own tensors; layer internals are
read by attribute name, and a part that no longer fits the package is reported as n/a.

    python -m benchmarks.profile_ours --length 4096                     # both dtype policies
    python -m benchmarks.profile_ours --length 4096 --dtype-policy mixed_bfloat16
    python -m benchmarks.profile_ours --length 4096 --query-block-size 128   # less blocking waste, smaller matmuls
    python -m benchmarks.profile_ours --model tiny --length 512         # seconds: for the script itself
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from typing import Callable

from benchmarks import flops, machine, profile_tables
from benchmarks.configs import MODELS, model_for
from benchmarks.timing import median_seconds

POLICIES = ("float32", "mixed_bfloat16")
ATTENTION_DROPOUT = 0.1  # the base config's rate, for the training-only dropout row


@dataclasses.dataclass
class Part:
    """One timed piece of the layer: `run()` returns tensors; `flop_count` matmul FLOPs."""

    name: str
    run: Callable[[], object]
    flop_count: int = 0
    leaf: bool = True  # counted in the "sum of leaf parts" row
    note: str = ""


@dataclasses.dataclass
class Dims:
    """The shapes one layer works on."""

    n: int  # tokens (padded to the window)
    hidden: int
    intermediate: int
    window: int  # both sides
    heads: int

    @property
    def one_sided(self) -> int:
        return self.window // 2

    @property
    def head_size(self) -> int:
        return self.hidden // self.heads


def time_part(tf, part: Part, repeats: int) -> float | None:
    """Median seconds of the part in a `tf.function`, or None (printed) where it does not run."""
    try:
        function = tf.function(part.run, autograph=False)  # no source reads: the file may change while it runs
        # A call returns once the outputs exist (CPU runs eagerly in sync); no `.numpy()`: its
        # copy of a large output (the [h, nb, c, f] scores: 150 MB) would be timed too.
        return median_seconds(function, repeats)
    except Exception as error:  # noqa: BLE001 - package internals may have moved
        print(f"  {part.name}: n/a ({type(error).__name__}: {str(error).splitlines()[0][:100]})", file=sys.stderr)
        return None


class LayerParts:
    """Builds one `LongformerLayer` under a dtype policy and the `Part`s that split its time."""

    def __init__(self, tf, dims: Dims, policy: str, query_block_size: int | None = None):
        import keras
        import numpy as np

        import tf_longformer
        from tf_longformer.ops import attention as attention_ops
        from tf_longformer.ops import global_attention

        self.tf, self.dims, self.attention_ops, self.global_attention = tf, dims, attention_ops, global_attention
        keras.utils.set_random_seed(0)
        options = tf_longformer.layers.AttentionOptions(
            num_attention_heads=dims.heads, attention_window=dims.window, query_block_size=query_block_size
        )
        self.layer = tf_longformer.LongformerLayer(
            options,
            dims.hidden,
            dims.intermediate,
            dtype=policy,
            name=f"layer_{policy}",
        )
        self.layer.build((None, None, dims.hidden))
        self.dtype = tf.as_dtype(self.layer.compute_dtype)
        self.hidden = tf.cast(tf.random.normal((1, dims.n, dims.hidden), seed=3), self.dtype)
        mask = np.ones((1, dims.n), np.int32)
        mask[0, 0] = 2  # the merged mask: 2 = global
        self.mask = tf.constant(mask)
        self._prepare_attention_inputs()

    # -- inputs each part starts from, computed once (eagerly) ----------------------------
    def _prepare_attention_inputs(self):
        tf, dims = self.tf, self.dims
        self.attention_block = self.layer.attention
        self.self_attention = self.attention_block.self_attention
        self.feed_forward = self.layer.feed_forward
        sa = self.self_attention
        self.layout = sa.layout(self.mask)
        self.scale = 1.0 / math.sqrt(dims.head_size)
        self.query, self.key, self.value = sa._local_projections(self.hidden, self.scale)
        global_hidden = tf.gather(self.hidden, self.layout.global_positions, batch_dims=1)
        self.global_query = sa._split_heads(sa.query_global(global_hidden) * self.scale)
        self.global_key_value = self.global_attention.GlobalKeyValue(
            self.hidden, *sa._split_kernel(sa.key_global), *sa._split_kernel(sa.value_global)
        )
        self.block = int(self.layout.block_key_allowed.shape[-2])  # the block size the layer picked
        self.num_blocks = -(-dims.n // self.block)
        self.num_slots = int(self.layout.global_positions.shape[1])
        self.frame_width = self.num_slots + self.block + 2 * dims.one_sided
        self.key_frames, self.value_frames = self._frames(self.key), self._frames(self.value)
        self.query_blocks = self._query_blocks()
        self.scores = tf.matmul(self.query_blocks, self.key_frames, transpose_b=True)
        self.softmax_dtype = sa.attention_options.local_softmax_dtype(self.dtype)
        self.softmax_scores = self._scores_in_softmax_dtype(self.scores)
        self.probs = tf.cast(self._softmax(self.softmax_scores), self.dtype)
        self.local_output = self._local_output()
        self.global_output = self._global_rows()[0]
        self.attended = self._attention()
        self.output_kernel = self.attention_block.output_projection.fused_kernel()
        self.projected = self._merge_and_project(self.attended)
        ffn_out = self.feed_forward.output_projection
        self.activated = self._intermediate_and_activation()
        self.ffn_kernel, self.ffn_bias = ffn_out.fused_kernel(), tf.cast(ffn_out.dense.bias, self.dtype)
        self.ffn_projected = self._ffn_output()

    # -- the pieces, as ops/attention.py and the layers run them ---------------------------
    def _frames(self, states):
        """[b, h, n, d] -> [b*h*nb, f, d]: each block's keys (`block_frames` in ops/attention.py)."""
        tf = self.tf
        states = tf.pad(states, [[0, 0], [0, 0], [0, 1], [0, 0]])
        frames = tf.gather(states, self.layout.block_key_positions, axis=2, batch_dims=1)
        return tf.reshape(frames, [-1, self.frame_width, self.dims.head_size])

    def _query_blocks(self):
        tf = self.tf
        pad = self.num_blocks * self.block - self.dims.n
        padded = tf.pad(self.query, [[0, 0], [0, 0], [0, pad], [0, 0]])
        return tf.reshape(padded, [-1, self.block, self.dims.head_size])

    def _scores_in_softmax_dtype(self, scores):
        shape = [1, self.dims.heads, self.num_blocks, self.block, self.frame_width]
        return self.tf.reshape(self.tf.cast(scores, self.softmax_dtype), shape)

    def _softmax(self, scores):
        masked = self.tf.where(self.layout.block_key_allowed, scores, self.softmax_dtype.min)
        return self.tf.nn.softmax(masked, axis=-1)

    def _context(self):
        return self.tf.matmul(self.tf.reshape(self.probs, [-1, self.block, self.frame_width]), self.value_frames)

    def _global_rows(self):
        tf, layout = self.tf, self.layout
        key_is_valid = tf.not_equal(layout.attention_mask, 0)
        return self.global_attention.global_rows_attention(
            self.global_query, self.global_key_value, key_is_valid, layout.global_slot_is_valid
        )

    def _merge_rows(self, local_output, global_output):
        """Global rows gathered over their local ones, padding rows zeroed (as the package)."""
        tf, layout = self.tf, self.layout
        rows = tf.expand_dims(tf.expand_dims(tf.equal(layout.attention_mask, 2), 1), -1)
        padding = tf.expand_dims(tf.expand_dims(tf.equal(layout.attention_mask, 0), 1), -1)
        global_output = tf.pad(global_output, [[0, 0], [0, 0], [0, 1], [0, 0]])
        return tf.where(
            rows,
            tf.gather(global_output, layout.global_slot, axis=2, batch_dims=1),
            tf.where(padding, tf.zeros_like(local_output), local_output),
        )

    def _local_output(self):
        shape = [1, self.dims.heads, self.num_blocks * self.block, self.dims.head_size]
        return self.tf.reshape(self._context(), shape)[:, :, : self.dims.n]

    def _attention(self):
        return self.attention_ops.longformer_attention(
            self.query,
            self.key,
            self.value,
            self.global_query,
            self.global_key_value,
            self.layout,
            one_sided_window=self.dims.one_sided,
            block_size=self.self_attention.attention_options.query_block_size,
            softmax_dtype=self.softmax_dtype,
        ).output

    def _merge_and_project(self, attended):
        from tf_longformer.ops.projection import project_last_axis

        merged = self.tf.reshape(self.tf.transpose(attended, [0, 2, 1, 3]), [1, self.dims.n, self.dims.hidden])
        return project_last_axis(merged, self.output_kernel)

    def _intermediate_and_activation(self):
        from tf_longformer.layers.feed_forward import ACTIVATIONS

        tf, dense = self.tf, self.feed_forward.intermediate
        flat = tf.reshape(self.hidden, [-1, self.dims.hidden])
        pre_activation = tf.nn.bias_add(
            tf.matmul(flat, tf.cast(dense.kernel, self.dtype)), tf.cast(dense.bias, self.dtype)
        )
        return ACTIVATIONS[self.feed_forward.hidden_act](pre_activation)

    def _ffn_output(self):
        from tf_longformer.ops.projection import project_last_axis

        return project_last_axis(self.activated, self.ffn_kernel) + self.ffn_bias

    def _weight_casts(self):
        return [self.tf.cast(variable, self.dtype) for variable in self.layer.trainable_variables]

    def _dropout(self):
        from tf_longformer.ops.dropout import stateless_dropout

        seed = self.tf.constant([1, 2], self.tf.int32)
        return stateless_dropout(self.probs, ATTENTION_DROPOUT, seed, salt=0)

    def _global_rows_flops(self) -> int:
        """The folded global rows (g < head size): q·Wkᵀ and (P·X)·Wv per head, then each of
        the heads × g folded queries against all n inputs of width H, twice."""
        d, g = self.dims, self.num_slots
        return 2 * 2 * g * d.hidden * d.hidden + 2 * 2 * d.heads * g * d.n * d.hidden

    # -- the table's rows --------------------------------------------------------------------
    def parts(self) -> list[Part]:
        tf, d = self.tf, self.dims
        n, h, inter, w = d.n, d.hidden, d.intermediate, d.window
        projection = 2 * n * h * h
        band = 2 * 2 * n * (w + 1) * h + 2 * 2 * n * 1 * h * 2  # exact band + the global column/rows
        blocked = 2 * self.num_blocks * self.block * self.frame_width * h  # one blocked product
        ffn_out = self.feed_forward.output_projection
        attention_out = self.attention_block.output_projection
        return [
            Part(
                "layer",
                lambda: self.layer(self.hidden, self.mask),
                flops.layer_forward_flops(n, h, inter, w, minimal=True),
                leaf=False,
            ),
            Part(
                "attention block",
                lambda: self.attention_block(self.hidden, self.mask),
                4 * projection + band,
                leaf=False,
            ),
            Part(
                "  local q/k/v projections",
                lambda: self.self_attention._local_projections(self.hidden, self.scale),
                3 * projection,
            ),
            Part("  attention op", self._attention, band, leaf=False),
            Part("    framed k/v gathers", lambda: (self._frames(self.key), self._frames(self.value))),
            Part(
                "    banded scores matmul",
                lambda: tf.matmul(self.query_blocks, self.key_frames, transpose_b=True),
                blocked,
            ),
            Part("    scores/probs casts", lambda: tf.cast(self._scores_in_softmax_dtype(self.scores), self.dtype)),
            Part("    mask + softmax", lambda: self._softmax(self.softmax_scores)),
            Part("    banded context matmul", self._context, blocked),
            Part("    global rows", self._global_rows, self._global_rows_flops()),
            Part("    merge rows", lambda: self._merge_rows(self.local_output, self.global_output)),
            Part("  merge heads + output matmul", lambda: self._merge_and_project(self.attended), projection),
            Part(
                "  bias + residual + LayerNorm", lambda: attention_out(self.projected, self.hidden, kernel_applied=True)
            ),
            Part("feed-forward block", lambda: self.feed_forward(self.hidden), 2 * 2 * n * h * inter, leaf=False),
            Part(
                f"  intermediate + activation ({self.feed_forward.hidden_act})",
                self._intermediate_and_activation,
                2 * n * h * inter,
            ),
            Part("  output matmul + bias", self._ffn_output, 2 * n * h * inter),
            Part("  residual + LayerNorm", lambda: ffn_out.layer_norm(self.ffn_projected + self.hidden)),
            Part("weight casts", self._weight_casts, leaf=False, note="q/k/v's inside local projections too"),
            Part("attention dropout (training)", self._dropout, leaf=False, note="training only"),
            Part("layout (once per window)", lambda: self.self_attention.layout(self.mask), leaf=False),
            Part(
                "matmul n×h×h (plain)",
                lambda: tf.matmul(tf.reshape(self.hidden, (n, h)), self.output_kernel),
                projection,
                leaf=False,
            ),
        ]


def profile_policy(tf, dims: Dims, policy: str, rates: dict, repeats: int, query_block_size=None) -> list[dict]:
    """Every part's figures under one dtype policy, as JSON-ready rows."""
    layer_parts = LayerParts(tf, dims, policy, query_block_size)
    floor_dtype = layer_parts.dtype.name  # the dtype the matmuls run in
    rate = rates[floor_dtype] * 1e9
    rows = []
    for part in layer_parts.parts():
        seconds = time_part(tf, part, repeats)
        rows.append(
            dict(
                part=part.name,
                seconds=seconds,
                gflop=part.flop_count / 1e9,
                floor_s=part.flop_count / rate,
                floor_dtype=floor_dtype,
                leaf=part.leaf,
                note=part.note,
            )
        )
    leaves = [row["seconds"] for row in rows if row["leaf"]]
    if leaves and None not in leaves:
        rows.append(
            dict(
                part="sum of leaf parts",
                seconds=sum(leaves),
                gflop=0.0,
                floor_s=0.0,
                floor_dtype=floor_dtype,
                leaf=False,
                note="",
            )
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_ours")
    parser.add_argument("--model", choices=sorted(MODELS), default="base")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--dtype-policy", nargs="+", choices=POLICIES, default=list(POLICIES), dest="policies")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matmul-size", type=int, default=2048, help="square size of the floor's tf.matmul")
    parser.add_argument(
        "--query-block-size", type=int, help="query rows per block of the banded matmul (default: the package's)"
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)

    import datetime as dt

    import tensorflow as tf

    cfg = model_for(args.model, args.length)
    dims = Dims(
        n=flops.padded_length(args.length, cfg["attention_window"]),
        hidden=cfg["hidden_size"],
        intermediate=cfg["intermediate_size"],
        window=cfg["attention_window"],
        heads=cfg["num_attention_heads"],
    )
    load_before = machine.load_average()
    rates = {
        dtype: machine.matmul_rate(tf, dtype, args.matmul_size, args.repeats)["gflops"]
        for dtype in ("float32", "bfloat16")
    }
    policies = {
        policy: profile_policy(tf, dims, policy, rates, args.repeats, args.query_block_size) for policy in args.policies
    }
    data = dict(
        model=args.model,
        n=dims.n,
        date=f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        cpu=machine.cpu_description(),
        command="python -m benchmarks.profile_ours " + " ".join(argv if argv is not None else sys.argv[1:]),
        load_before=load_before,
        load_after=machine.load_average(),
        repeats=args.repeats,
        matmul_size=args.matmul_size,
        rates_gflops=rates,
        rate_gflops=rates["float32"],  # the older single-dtype files' key
        policies=policies,
    )
    print("\n".join(profile_tables.markdown_lines(data)))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(data, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
