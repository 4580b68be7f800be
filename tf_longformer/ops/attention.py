"""Longformer self-attention (local sliding window + global tokens) as pure tensor functions.

Shapes: b = batch, h = heads, n = length, d = head size, w = one-sided window,
c = query block size, g = global slots (the largest number of global tokens in a row).
The merged `attention_mask` holds 0 (padding), 1 (local) and 2 (global) per token.

Semantics follow the reference exactly:
- a local token attends to the non-padding, non-global tokens within w on each side, and to
  every global token through extra columns (local key/value projections);
- a global token attends to every non-padding token with the global projections, and that
  row replaces its local one;
- padding query rows get zero probabilities; softmax runs in float32.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import tensorflow as tf

from tf_longformer.ops import global_tokens
from tf_longformer.ops import masks as mask_ops
from tf_longformer.ops import sliding_window

_MASKED = tf.float32.min  # the reference's fill value; exp(min - max) is exactly 0


class AttentionResult(NamedTuple):
    output: tf.Tensor  # [b, h, n, d]
    local_probs: tf.Tensor | None  # [b, h, n, g + 2w + 1], the reference's `attentions` layout
    global_probs: tf.Tensor | None  # [b, h, g, n]


def default_block_size(one_sided_window: int) -> int:
    """Query rows per block: w rows waste (c + 2w)/(2w + 1) ~ 1.5x of the exact band.

    Tiny windows get bigger blocks so that each matmul has some work in it.
    """
    return max(one_sided_window, 16)


def longformer_attention(
    query: tf.Tensor,
    key: tf.Tensor,
    value: tf.Tensor,
    global_query: tf.Tensor,
    global_key: tf.Tensor,
    global_value: tf.Tensor,
    attention_mask: tf.Tensor,
    global_positions: tf.Tensor,
    global_slot_is_valid: tf.Tensor,
    one_sided_window: int,
    block_size: int | None = None,
    dropout: Callable[[tf.Tensor], tf.Tensor] | None = None,
    return_probs: bool = False,
) -> AttentionResult:
    """Computes Longformer attention for one layer.

    Args:
        query, key, value: [b, h, n, d] local projections; `query` already scaled by 1/sqrt(d).
        global_query: [b, h, g, d] global query projection of the global tokens (scaled).
        global_key, global_value: [b, h, n, d] global key/value projections of every token.
        attention_mask: [b, n] int, 0 = padding, 1 = local, 2 = global.
        global_positions, global_slot_is_valid: [b, g], from `global_tokens.global_token_slots`.
        one_sided_window: w, tokens seen on each side.
        block_size: query rows per block (default `default_block_size(w)`).
        dropout: applied to the attention probabilities (training only).
        return_probs: also return the probabilities in the reference's layouts.
    """
    w = one_sided_window
    c = block_size or default_block_size(w)
    compute_dtype = query.dtype
    batch, heads = tf.shape(query)[0], tf.shape(query)[1]
    length, head_size = tf.shape(query)[2], query.shape[-1]
    num_blocks = (length + c - 1) // c
    padded_length = num_blocks * c

    is_padding = tf.equal(attention_mask, mask_ops.PADDING)
    is_global = tf.equal(attention_mask, mask_ops.GLOBAL)
    key_is_local = tf.equal(attention_mask, mask_ops.LOCAL)

    # --- local rows: scores against the window frame and the global keys ---------------
    query = tf.pad(query, [[0, 0], [0, 0], [0, padded_length - length], [0, 0]])
    query_blocks = tf.reshape(query, [batch, heads, num_blocks, c, head_size])
    key_frames = sliding_window.frame_keys(key, w, c, num_blocks)
    value_frames = sliding_window.frame_keys(value, w, c, num_blocks)
    window_scores = tf.matmul(query_blocks, key_frames, transpose_b=True)  # [b,h,nb,c,c+2w]
    window_allowed = tf.logical_and(
        sliding_window.frame_mask(key_is_local, w, c, num_blocks)[:, tf.newaxis, :, tf.newaxis, :],
        sliding_window.band_mask(w, c),
    )

    keys_of_global = tf.gather(key, global_positions, axis=2, batch_dims=1)  # [b,h,g,d]
    values_of_global = tf.gather(value, global_positions, axis=2, batch_dims=1)
    num_slots = tf.shape(global_positions)[1]
    global_key_scores = tf.reshape(
        tf.matmul(query, keys_of_global, transpose_b=True), [batch, heads, num_blocks, c, num_slots]
    )
    global_key_allowed = global_slot_is_valid[:, tf.newaxis, tf.newaxis, tf.newaxis, :]

    scores = tf.concat(
        [
            tf.where(global_key_allowed, tf.cast(global_key_scores, tf.float32), _MASKED),
            tf.where(window_allowed, tf.cast(window_scores, tf.float32), _MASKED),
        ],
        axis=-1,
    )
    probs = tf.nn.softmax(scores, axis=-1)
    query_is_padding = tf.pad(is_padding, [[0, 0], [0, padded_length - length]], constant_values=True)
    query_is_padding = tf.reshape(query_is_padding, [batch, 1, num_blocks, c, 1])
    probs = tf.where(query_is_padding, tf.zeros_like(probs), probs)
    used_probs = tf.cast(probs, compute_dtype)
    if dropout is not None:
        used_probs = dropout(used_probs)
    probs_of_global_keys, probs_of_window = tf.split(used_probs, [num_slots, c + 2 * w], axis=-1)
    local_output = tf.matmul(probs_of_window, value_frames) + tf.reshape(
        tf.matmul(tf.reshape(probs_of_global_keys, [batch, heads, padded_length, num_slots]), values_of_global),
        [batch, heads, num_blocks, c, head_size],
    )
    local_output = tf.reshape(local_output, [batch, heads, padded_length, head_size])[:, :, :length]

    # --- global rows: each global token attends to every non-padding token --------------
    global_scores = tf.matmul(global_query, global_key, transpose_b=True)  # [b,h,g,n]
    global_allowed = tf.logical_and(
        global_slot_is_valid[:, tf.newaxis, :, tf.newaxis], tf.logical_not(is_padding)[:, tf.newaxis, tf.newaxis, :]
    )
    global_probs = tf.nn.softmax(tf.where(global_allowed, tf.cast(global_scores, tf.float32), _MASKED), axis=-1)
    used_global_probs = tf.cast(global_probs, compute_dtype)
    if dropout is not None:
        used_global_probs = dropout(used_global_probs)
    global_output = tf.matmul(used_global_probs, global_value)  # [b,h,g,d]

    # Global rows replace local ones: gather from g + 1 slots, the last a zero filler.
    global_output = tf.pad(global_output, [[0, 0], [0, 0], [0, 1], [0, 0]])
    slot = global_tokens.slot_of_each_position(is_global, num_slots)
    output = tf.where(
        is_global[:, tf.newaxis, :, tf.newaxis],
        tf.gather(global_output, slot, axis=2, batch_dims=1),
        local_output,
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
    # The reference zeroes the local rows of global tokens (their real ones are global_probs).
    local_probs = tf.where(is_global[:, tf.newaxis, :, tf.newaxis], tf.zeros_like(local_probs), local_probs)
    return AttentionResult(output, local_probs, global_probs)
