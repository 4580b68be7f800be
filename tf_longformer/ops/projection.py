"""A dense projection of the last axis as one 2-D matmul."""

from __future__ import annotations

import tensorflow as tf


def project_last_axis(states: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """[..., in] @ [in, out] -> [..., out] as one 2-D matmul (as `keras.layers.Dense` computes it)."""
    return restore_leading_axes(tf.matmul(tf.reshape(states, [-1, tf.shape(kernel)[0]]), kernel), states)


def restore_leading_axes(flat: tf.Tensor, like: tf.Tensor) -> tf.Tensor:
    """[N, out] -> [..., out], with the leading axes (N = their product) of `like` [..., in]."""
    restored = tf.reshape(flat, tf.concat([tf.shape(like)[:-1], tf.shape(flat)[-1:]], 0))
    restored.set_shape(like.shape[:-1].concatenate(flat.shape[-1:]))
    return restored
