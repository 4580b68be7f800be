"""Longformer self-attention (local sliding window + global tokens) as pure tensor functions.

Shapes: b = batch, h = heads, n = length, d = head size, w = one-sided window,
c = query block size, nb = number of query blocks, g = global slots (the largest number
of global tokens in a row), f = g + c + 2w keys per block.
The merged `attention_mask` holds 0 (padding), 1 (local) and 2 (global) per token.

Semantics follow the reference exactly:
- a local token attends to the non-padding, non-global tokens within w on each side, and to
  every global token through extra columns (local key/value projections);
- a global token attends to every non-padding token with the global projections, and that
  row replaces its local one;
- padding query rows get zero probabilities; softmax statistics are float32 unless the
  caller asks for bfloat16 (`softmax_dtype`).

How: each query block gathers its keys once, the g global keys first and then its window
frame, so scores, softmax and the value product are each one batched op over
[b * h * nb, c, f], masked where not allowed with the lowest value of the softmax dtype (float32: the reference's fill).
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from tf_longformer.ops import global_attention, global_tokens, sliding_window
from tf_longformer.ops import masks as mask_ops
from tf_longformer.ops.dropout import stateless_dropout


class AttentionResult(NamedTuple):
    output: tf.Tensor  # [b, h, n, d]
    local_probs: tf.Tensor | None  # [b, h, n, g + 2w + 1], the reference's `attentions` layout
    global_probs: tf.Tensor | None  # [b, h, g, n]


def _per_query_row(flags: tf.Tensor) -> tf.Tensor:
    """[b, n] -> [b, 1, n, 1], to broadcast over heads and features.

    (expand_dims rather than `x[:, tf.newaxis]`: TFLite has no strided slice with new axes.)
    """
    return tf.expand_dims(tf.expand_dims(flags, 1), -1)


def default_block_size(one_sided_window: int, compute_dtype: tf.DType | str = tf.float32) -> int:
    """Query rows per block: c = w computes (c + 2w)/(2w + 1) ~ 1.5x of the exact band.

    bfloat16 takes c = w/2 (1.25x the band): its matmuls run about twice as fast, so the
    columns computed outside the band cost more than the extra, smaller matmuls; in float32
    the smaller blocks are slower (figures: benchmarks/results/2026-12-05-bf16-item2-summary.md;
    float16 was not measured and keeps c = w). Tiny windows get bigger blocks so that each
    matmul has some work in it.
    """
    rows = one_sided_window // 2 if tf.as_dtype(compute_dtype) == tf.bfloat16 else one_sided_window
    return max(rows, 16)


def block_key_positions(global_positions, one_sided_window, block_size, num_blocks, length):
    """[b, nb, f] key position of every column of every block, `length` where outside."""
    window = sliding_window.frame_positions(one_sided_window, block_size, num_blocks)
    window = tf.where((window >= 0) & (window < length), window, length)
    batch = tf.shape(global_positions)[0]
    return tf.concat(
        [
            tf.tile(tf.expand_dims(global_positions, 1), [1, num_blocks, 1]),
            tf.tile(tf.expand_dims(window, 0), [batch, 1, 1]),
        ],
        axis=-1,
    )


def block_key_allowed(attention_mask, key_positions, global_slot_is_valid, one_sided_window, block_size):
    """[b, 1, nb, c, f] bool: whether each query of each block may attend to each frame column."""
    batch, num_blocks = tf.shape(key_positions)[0], tf.shape(key_positions)[1]
    num_slots = tf.shape(global_slot_is_valid)[1]
    key_is_local = tf.equal(tf.pad(attention_mask, [[0, 0], [0, 1]]), mask_ops.LOCAL)  # outside: not local
    window_keys_local = tf.gather(key_is_local, key_positions[:, :, num_slots:], batch_dims=1)
    window_allowed = tf.expand_dims(window_keys_local, 2) & sliding_window.band_mask(one_sided_window, block_size)
    global_allowed = tf.broadcast_to(
        tf.reshape(global_slot_is_valid, [batch, 1, 1, num_slots]), [batch, num_blocks, block_size, num_slots]
    )
    allowed = tf.concat([global_allowed, window_allowed], axis=-1)
    return tf.expand_dims(allowed, 1)


class AttentionLayout(NamedTuple):
    """Where every query may look, from the mask and the window alone (no hidden states).

    Layers that share a window share one layout: the encoder builds it once per window
    instead of once per layer (fewer ops to trace and optimise).
    """

    attention_mask: tf.Tensor  # [b, n] int32, 0 = padding, 1 = local, 2 = global
    global_positions: tf.Tensor  # [b, g] int32, from `global_tokens.global_token_slots`
    global_slot_is_valid: tf.Tensor  # [b, g] bool
    global_slot: tf.Tensor  # [b, n] int32: each global token's slot, g for the others
    block_key_positions: tf.Tensor  # [b, nb * f] int32, `length` where outside
    block_key_allowed: tf.Tensor  # [b, 1, nb, c, f] bool (bool: Keras casts float arguments)


def attention_layout(
    attention_mask: tf.Tensor,
    one_sided_window: int,
    block_size: int | None = None,
    max_global_tokens: int | None = None,
    compute_dtype: tf.DType | str = tf.float32,
) -> AttentionLayout:
    """The `AttentionLayout` of a merged mask [b, n] (0 = padding, 1 = local, 2 = global).

    Args:
        one_sided_window: w, tokens seen on each side.
        block_size: query rows per block (default `default_block_size(w, compute_dtype)`).
        max_global_tokens: the number of global slots, see `global_tokens.global_token_slots`.
        compute_dtype: the dtype the attention will run in (picks the default block size).
    """
    w = one_sided_window
    c = block_size or default_block_size(w, compute_dtype)
    attention_mask = tf.cast(attention_mask, tf.int32)
    is_global = tf.equal(attention_mask, mask_ops.GLOBAL)
    positions, slot_is_valid = global_tokens.global_token_slots(is_global, max_global_tokens)
    batch, length = tf.shape(attention_mask)[0], tf.shape(attention_mask)[1]
    num_blocks = (length + c - 1) // c
    num_slots = tf.shape(positions)[1]
    key_positions = block_key_positions(positions, w, c, num_blocks, length)
    return AttentionLayout(
        attention_mask=attention_mask,
        global_positions=positions,
        global_slot_is_valid=slot_is_valid,
        global_slot=global_tokens.slot_of_each_position(is_global, num_slots),
        block_key_positions=tf.reshape(key_positions, [batch, num_blocks * (num_slots + c + 2 * w)]),
        block_key_allowed=block_key_allowed(attention_mask, key_positions, slot_is_valid, w, c),
    )


def longformer_attention(
    query: tf.Tensor,
    key: tf.Tensor,
    value: tf.Tensor,
    global_query: tf.Tensor,
    global_key_value: global_attention.GlobalKeyValue | global_attention.ProjectedGlobalKeyValue,
    layout: AttentionLayout,
    one_sided_window: int,
    block_size: int | None = None,
    dropout_rate: float = 0.0,
    dropout_seed: tf.Tensor | None = None,
    return_probs: bool = False,
    softmax_dtype: tf.DType = tf.float32,
) -> AttentionResult:
    """Computes Longformer attention for one layer.

    Args:
        query, key, value: [b, h, n, d] local projections; `query` already scaled by 1/sqrt(d).
        global_query: [b, h, g, d] global query projection of the global tokens (scaled), in
            the order of `layout.global_positions`.
        global_key_value: what the global keys/values of every token are made from (see
            `global_attention.global_rows_attention`, which may fold them into the queries),
            or those keys and values themselves.
        layout: from `attention_layout(attention_mask, one_sided_window, block_size, ...)`.
        one_sided_window: w, tokens seen on each side.
        block_size: query rows per block (default `default_block_size(w, query.dtype)`).
        dropout_rate, dropout_seed: dropout on the attention probabilities, drawn from the
            [2] int32 `dropout_seed` with stateless ops (None: no dropout). The same seed gives
            the same masks, so a recomputation in the backward pass is exact.
        return_probs: also return the probabilities in the reference's layouts.
        softmax_dtype: the dtype of the local rows' masked softmax (float32 as the reference;
            bfloat16 where its kernel accumulates in float32, see `AttentionOptions.softmax_dtype`).
    """
    w = one_sided_window
    c = block_size or default_block_size(w, query.dtype)
    if layout.block_key_allowed.shape[-2] not in (None, c):
        raise ValueError(f"`layout` was built for query blocks of {layout.block_key_allowed.shape[-2]}, not {c}.")
    attention_mask, global_slot_is_valid = layout.attention_mask, layout.global_slot_is_valid
    compute_dtype = query.dtype
    batch, heads = tf.shape(query)[0], tf.shape(query)[1]
    length, head_size = tf.shape(query)[2], query.shape[-1]
    num_blocks = (length + c - 1) // c
    padded_length = num_blocks * c
    num_slots = tf.shape(layout.global_positions)[1]
    frame_width = num_slots + c + 2 * w
    is_padding = tf.equal(attention_mask, mask_ops.PADDING)
    is_global = tf.equal(attention_mask, mask_ops.GLOBAL)

    # --- local rows: each block against its global keys + window frame ------------------
    def block_frames(states):  # [b,h,n,d] -> [b*h*nb, f, d], a zero row for "outside"
        states = tf.pad(states, [[0, 0], [0, 0], [0, 1], [0, 0]])
        frames = tf.gather(states, layout.block_key_positions, axis=2, batch_dims=1)
        return tf.reshape(frames, [-1, frame_width, head_size])

    query_blocks = tf.reshape(tf.pad(query, [[0, 0], [0, 0], [0, padded_length - length], [0, 0]]), [-1, c, head_size])
    scores = tf.matmul(query_blocks, block_frames(key), transpose_b=True)
    softmax_dtype = tf.as_dtype(softmax_dtype)
    scores = tf.reshape(tf.cast(scores, softmax_dtype), [batch, heads, num_blocks, c, frame_width])
    # The dtype's lowest value: exp(lowest - max) is exactly 0, as for the reference's fill.
    scores = tf.where(layout.block_key_allowed, scores, softmax_dtype.min)
    probs = tf.nn.softmax(scores, axis=-1)
    used_probs = stateless_dropout(tf.cast(probs, compute_dtype), dropout_rate, dropout_seed, salt=0)
    local_output = tf.matmul(tf.reshape(used_probs, [-1, c, frame_width]), block_frames(value))
    local_output = tf.reshape(local_output, [batch, heads, padded_length, head_size])[:, :, :length]

    # --- global rows: each global token attends to every non-padding token --------------
    global_output, global_probs = global_attention.global_rows_attention(
        global_query, global_key_value, tf.logical_not(is_padding), global_slot_is_valid, dropout_rate, dropout_seed
    )

    # Global rows replace local ones (gathered from g + 1 slots, the last a zero filler);
    # padding rows are zero, as the reference's zeroed probabilities make them.
    global_output = tf.pad(global_output, [[0, 0], [0, 0], [0, 1], [0, 0]])
    output = tf.where(
        _per_query_row(is_global),
        tf.gather(global_output, layout.global_slot, axis=2, batch_dims=1),
        tf.where(_per_query_row(is_padding), tf.zeros_like(local_output), local_output),
    )
    if not return_probs:
        return AttentionResult(output, None, None)

    band = sliding_window.blocks_to_band(probs[..., num_slots:], w)
    local_probs = tf.concat(
        [
            tf.reshape(probs[..., :num_slots], [batch, heads, padded_length, num_slots]),
            tf.reshape(band, [batch, heads, padded_length, 2 * w + 1]),
        ],
        axis=-1,
    )[:, :, :length]
    # The reference zeroes the rows of padding and of global tokens (the latter's real
    # probabilities are `global_probs`).
    local_probs = tf.where(_per_query_row(is_global | is_padding), tf.zeros_like(local_probs), local_probs)
    return AttentionResult(output, local_probs, global_probs)
