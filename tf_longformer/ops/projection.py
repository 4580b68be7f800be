"""A dense projection of the last axis as one 2-D matmul."""

from __future__ import annotations

import tensorflow as tf


def project_last_axis(states: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """[..., in] @ [in, out] -> [..., out] as one 2-D matmul (as `keras.layers.Dense` computes it)."""
    flat = tf.matmul(tf.reshape(states, [-1, tf.shape(kernel)[0]]), kernel)
    projected = tf.reshape(flat, tf.concat([tf.shape(states)[:-1], tf.shape(kernel)[1:]], 0))
    projected.set_shape(states.shape[:-1].concatenate(kernel.shape[-1:]))
    return projected
