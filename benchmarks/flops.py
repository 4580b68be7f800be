"""FLOP counts of the Longformer workloads, from which the matmul floors are computed.

Only matrix products are counted (2 FLOPs per multiply-add); softmax, LayerNorm, GELU,
dropout, embeddings gathers and the optimizer update are left out, so `flops / rate` is a
lower bound ("floor") that no implementation can beat with matmuls running at `rate`.

Notation, per sequence (batch 1): n tokens (padded to a multiple of the window), h hidden,
I intermediate, L layers, w attention window (w/2 keys on each side, so the exact band is
w + 1 keys per query), g global tokens.

Per layer, forward:
    local Q, K, V, output projections      4 * 2nh^2
    global K, V projections (all n tokens) 2 * 2nh^2   (only when g > 0; the reference's
                                                        key_global/value_global)
    global Q projection (g tokens)         2gh^2
    banded scores  Q K^T over w+1 keys     2n(w+1)h
    banded context P V over w+1 keys       2n(w+1)h
    every query x the g global keys        2 * 2ngh     (scores + context)
    the g global rows over all n keys      2 * 2gnh     (scores + context)
    feed-forward                           2 * 2nhI
Model forward = L * per layer (+ pooler 2h^2, negligible).

This is the reference's arithmetic (the one DESIGN.md's "about 0.9 TFLOP at 4096" counts).
`minimal=True` drops the global K/V projections of all n tokens, which an implementation
may avoid by folding the global query into the key weights (q W_k^T X^T) and projecting
the attention-weighted sum of inputs (sum_j p_j x_j) W_v: that bound is about 13% lower.
tf_longformer folds them whenever g < head size (tf_longformer/ops/global_attention.py).

Training step (forward + backward): the backward pass of every product costs two products
of the same size (gradient to the input and to the weight), so a step is 3x the forward;
with gradient checkpointing each layer's forward is recomputed once more: 4x.
"""

from __future__ import annotations

BASE_4096 = dict(
    vocab_size=50265,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    attention_window=512,
    max_position_embeddings=4098,
)


def padded_length(n: int, window: int) -> int:
    return -(-n // window) * window


def layer_forward_flops(n: int, h: int, inter: int, w: int, g: int = 1, minimal: bool = False) -> int:
    flops = 4 * 2 * n * h * h  # local q, k, v, output projections
    if g > 0:
        if not minimal:
            flops += 2 * 2 * n * h * h  # key_global, value_global over all n tokens
        flops += 2 * g * h * h  # query_global over the g global tokens
    flops += 2 * 2 * n * (w + 1) * h  # banded scores + banded context, exact w+1 band
    flops += 2 * 2 * n * g * h  # every query attends to the g global keys
    flops += 2 * 2 * g * n * h  # the g global rows attend to all n keys
    flops += 2 * 2 * n * h * inter  # feed-forward in and out
    return flops


def forward_flops(n: int, cfg: dict, g: int = 1, minimal: bool = False, pad: bool = True) -> int:
    """Matmul FLOPs of one forward pass of the encoder on one sequence of n tokens."""
    w = cfg["attention_window"]
    if pad:
        n = padded_length(n, w)
    h, inter, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    return layers * layer_forward_flops(n, h, inter, w, g, minimal) + 2 * h * h


def train_step_flops(n: int, cfg: dict, g: int = 1, checkpointing: bool = False, minimal: bool = False) -> int:
    """Forward + backward of the encoder (+ classification head, negligible)."""
    return (4 if checkpointing else 3) * forward_flops(n, cfg, g, minimal)


def dense_layer_forward_flops(n: int, h: int, inter: int) -> int:
    """The full-attention baseline: every query against all n keys."""
    return 4 * 2 * n * h * h + 2 * 2 * n * n * h + 2 * 2 * n * h * inter


def dense_forward_flops(n: int, cfg: dict) -> int:
    h, inter, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    return layers * dense_layer_forward_flops(n, h, inter)


def dense_predicted_peak_gb(n: int, cfg: dict) -> float:
    """Rough peak memory of one dense-baseline forward: n x n scores and their softmax
    (float32, all heads, ~2.5 copies live), plus the float32 weights and ~1 GB of runtime."""
    heads, h = cfg["num_attention_heads"], cfg["hidden_size"]
    scores = heads * n * n * 4
    weights = 4 * (cfg["vocab_size"] * h + cfg["num_hidden_layers"] * (4 * h * h + 2 * h * cfg["intermediate_size"]))
    return (2.5 * scores + weights) / 1e9 + 1.0


if __name__ == "__main__":
    for n in (512, 1024, 2048, 4096, 8192, 16384):
        print(
            n,
            f"fwd {forward_flops(n, BASE_4096) / 1e12:.3f} TFLOP",
            f"(minimal {forward_flops(n, BASE_4096, minimal=True) / 1e12:.3f})",
            f"train {train_step_flops(n, BASE_4096) / 1e12:.3f}",
            f"dense fwd {dense_forward_flops(n, BASE_4096) / 1e12:.3f}",
        )
