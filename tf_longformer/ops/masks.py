"""Mask and position-id helpers: padding to the window multiple, merging masks, positions."""

from __future__ import annotations

import tensorflow as tf

# The merged attention mask uses the reference's three states.
PADDING, LOCAL, GLOBAL = 0, 1, 2


def padding_to_multiple(length: tf.Tensor, multiple: int) -> tf.Tensor:
    """How many positions to add to `length` to reach a multiple of `multiple`."""
    return (multiple - length % multiple) % multiple


def pad_sequence_axis(tensor: tf.Tensor, padding: tf.Tensor, value=0) -> tf.Tensor:
    """Right-pads axis 1 of `tensor` by `padding` positions filled with `value`."""
    paddings = [[0, 0], [0, padding]] + [[0, 0]] * (tensor.shape.rank - 2)
    return tf.pad(tensor, paddings, constant_values=tf.cast(value, tensor.dtype))


def merge_attention_masks(attention_mask: tf.Tensor, global_attention_mask: tf.Tensor) -> tf.Tensor:
    """0 = padding, 1 = local, 2 = global, as the reference's `attention_mask * (global + 1)`."""
    return attention_mask * (global_attention_mask + 1)


def position_ids_from_input_ids(input_ids: tf.Tensor, pad_token_id: int) -> tf.Tensor:
    """Positions count non-padding tokens from `pad_token_id + 1`; padding gets `pad_token_id`."""
    not_padding = tf.cast(tf.not_equal(input_ids, pad_token_id), input_ids.dtype)
    return tf.cumsum(not_padding, axis=1) * not_padding + pad_token_id


def position_ids_from_length(batch_size: tf.Tensor, length: tf.Tensor, pad_token_id: int) -> tf.Tensor:
    """Sequential positions `pad+1 ... pad+length` (used with `inputs_embeds`)."""
    positions = tf.range(pad_token_id + 1, length + pad_token_id + 1, dtype=tf.int32)
    return tf.tile(tf.expand_dims(positions, 0), [batch_size, 1])
