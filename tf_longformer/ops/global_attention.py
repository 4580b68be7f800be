"""The rows of the global tokens: each global token attends to every non-padding token.

Their keys and values are the `key_global`/`value_global` projections of every token,
[b, n, H] -> [b, h, n, d]. With few global tokens (the usual case: one classification token,
a question of a few dozen tokens) projecting all n tokens costs far more than the g rows
that use them, so the projections are folded into the queries instead (associativity):

    scores  = q · (X Wk + bk)ᵀ       = (q Wkᵀ) · Xᵀ  + q · bk     (the last term is constant
                                                                 along the row: softmax ignores it)
    output  = P · (X Wv + bv)        = (P · X) Wv   + bv · ΣP

That is ~2·g·h·n·H multiply-adds instead of ~2·n·H·h·d, cheaper while g < d (the head size);
otherwise the projections are computed as usual. Both give the same values up to float
rounding. Shapes: b batch, h heads, n length, d head size, g global slots, H input width.
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

from tf_longformer.ops import dropout

_MASKED = tf.float32.min


class GlobalKeyValue(NamedTuple):
    """What the global keys and values are made from: the layer input and the two projections.

    Kernels are [H, h, d] and biases [h, d] (a Dense kernel [H, h * d] with its heads split),
    in the compute dtype of `hidden_states` [b, n, H].
    """

    hidden_states: tf.Tensor
    key_kernel: tf.Tensor
    key_bias: tf.Tensor
    value_kernel: tf.Tensor
    value_bias: tf.Tensor


class ProjectedGlobalKeyValue(NamedTuple):
    """The global keys and values of every token, already projected: [b, h, n, d] each.

    For projections that only their own layer can apply (a quantized `Dense` keeps integer
    weights and scales that its `call` combines), so the attention cannot fold them.
    """

    keys: tf.Tensor
    values: tf.Tensor


def _project(hidden_states: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    """[b, n, H] with [H, h, d] and [h, d] -> [b, h, n, d].

    The reshaped matmul `tf.tensordot` computes, with fixed permutations: tensordot's gradient
    builds its permutation at run time when the length is unknown, which XLA cannot compile.
    """
    kernel_shape = tf.shape(kernel)
    flat = tf.matmul(tf.reshape(hidden_states, [-1, kernel_shape[0]]), tf.reshape(kernel, [kernel_shape[0], -1]))
    projected = tf.reshape(flat, tf.concat([tf.shape(hidden_states)[:2], kernel_shape[1:]], 0)) + bias
    return tf.transpose(projected, [0, 2, 1, 3])


def _scores_projected(global_query, source: GlobalKeyValue | ProjectedGlobalKeyValue):
    if isinstance(source, ProjectedGlobalKeyValue):
        return tf.matmul(global_query, source.keys, transpose_b=True)
    return tf.matmul(global_query, _project(source.hidden_states, source.key_kernel, source.key_bias), transpose_b=True)


def _values_projected(probs, source: GlobalKeyValue | ProjectedGlobalKeyValue):
    if isinstance(source, ProjectedGlobalKeyValue):
        return tf.matmul(probs, source.values)
    return tf.matmul(probs, _project(source.hidden_states, source.value_kernel, source.value_bias))


def _scores_folded(global_query, source: GlobalKeyValue):
    batch, heads, slots = tf.shape(global_query)[0], tf.shape(global_query)[1], tf.shape(global_query)[2]
    hidden = tf.shape(source.hidden_states)[2]
    # q Wkᵀ per head: [b, h, g, d] x [h, d, H] -> [b, h, g, H]; then one matmul against Xᵀ.
    folded_query = tf.matmul(global_query, tf.transpose(source.key_kernel, [1, 2, 0]))
    scores = tf.matmul(tf.reshape(folded_query, [batch, heads * slots, hidden]), source.hidden_states, transpose_b=True)
    return tf.reshape(scores, [batch, heads, slots, tf.shape(source.hidden_states)[1]])  # no -1: g may be 0


def _values_folded(probs, source: GlobalKeyValue):
    batch, heads, slots = tf.shape(probs)[0], tf.shape(probs)[1], tf.shape(probs)[2]
    length, hidden = tf.shape(source.hidden_states)[1], tf.shape(source.hidden_states)[2]
    mixed_inputs = tf.matmul(tf.reshape(probs, [batch, heads * slots, length]), source.hidden_states)  # P · X
    mixed_inputs = tf.reshape(mixed_inputs, [batch, heads, slots, hidden])
    output = tf.matmul(mixed_inputs, tf.transpose(source.value_kernel, [1, 0, 2]))  # [b,h,g,H] x [h,H,d]
    # ΣP is 1 for a real row, but not after dropout: keep the bias exact either way.
    return output + tf.reduce_sum(probs, axis=-1, keepdims=True) * tf.expand_dims(source.value_bias, 1)


def global_rows_attention(
    global_query: tf.Tensor,
    source: GlobalKeyValue | ProjectedGlobalKeyValue,
    key_is_valid: tf.Tensor,
    slot_is_valid: tf.Tensor,
    dropout_rate: float = 0.0,
    dropout_seed: tf.Tensor | None = None,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Attention of the global tokens over every valid token.

    Args:
        global_query: [b, h, g, d] global query projection of the global tokens (scaled).
        source: the global key/value projections and their input (folded into the queries
            where that is cheaper), or the projected keys and values.
        key_is_valid: [b, n] bool, False for padding.
        slot_is_valid: [b, g] bool, False for filler slots (their rows come out uniform, as the
            reference's, and are not used).
        dropout_rate, dropout_seed: as `attention.longformer_attention`.

    Returns:
        The output rows [b, h, g, d] and the probabilities [b, h, g, n] (float32).
    """
    num_slots, head_size = global_query.shape[2], global_query.shape[-1]

    def choose(folded, projected, *args):
        if isinstance(source, ProjectedGlobalKeyValue):
            return projected(*args)
        if num_slots is not None:  # known while tracing: choose now
            return folded(*args) if num_slots < head_size else projected(*args)
        # Only the matmuls are inside the branches (both float), so the gradient's
        # intermediates have one type.
        return tf.cond(tf.shape(global_query)[2] < head_size, lambda: folded(*args), lambda: projected(*args))

    scores = tf.cast(choose(_scores_folded, _scores_projected, global_query, source), tf.float32)
    allowed = tf.logical_and(
        tf.expand_dims(tf.expand_dims(slot_is_valid, 1), -1), tf.expand_dims(tf.expand_dims(key_is_valid, 1), 1)
    )
    probs = tf.nn.softmax(tf.where(allowed, scores, _MASKED), axis=-1)
    used = dropout.stateless_dropout(tf.cast(probs, global_query.dtype), dropout_rate, dropout_seed, salt=1)
    return choose(_values_folded, _values_projected, used, source), probs
