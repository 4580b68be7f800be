"""Layer normalization over the last axis with a gradient that keeps one tensor, not three."""

from __future__ import annotations

import tensorflow as tf


def _statistics(inputs: tf.Tensor, epsilon: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Float32 inputs, mean and 1/std over the last axis, as Keras' LayerNormalization computes them."""
    inputs = tf.cast(inputs, tf.float32)
    mean = tf.reduce_mean(inputs, axis=-1, keepdims=True)
    variance = tf.reduce_mean(tf.math.squared_difference(inputs, mean), axis=-1, keepdims=True)
    return inputs, mean, tf.math.rsqrt(variance + epsilon)


def lean_layer_normalization(inputs: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: float) -> tf.Tensor:
    """`keras.layers.LayerNormalization(epsilon)` on the last axis, computed in float32.

    The forward values are Keras' (same statistics, same `x * inv + (beta - mean * inv)`);
    the returned tensor has the dtype of `inputs`. Autodiff of that formula keeps the input,
    `x * inv` and the output for the backward pass (three tensors of the input's size);
    this gradient keeps only the normalized values and 1/std, which is all it needs:

        dx = (g - mean(g) - x̂ · mean(g · x̂)) / std,  g = dy · gamma,
        dgamma = Σ dy · x̂,  dbeta = Σ dy.

    Args:
        inputs: [..., hidden].
        gamma, beta: [hidden] float32 scale and offset.
        epsilon: added to the variance.
    """

    @tf.custom_gradient
    def forward(inputs, gamma, beta):
        values, mean, inv_std = _statistics(inputs, epsilon)
        inv = inv_std * gamma
        output = tf.cast(values * inv + (beta - mean * inv), inputs.dtype)
        normalized = (values - mean) * inv_std  # what the backward pass keeps

        def backward(upstream):
            upstream = tf.cast(upstream, tf.float32)
            outer_axes = tf.range(tf.rank(upstream) - 1)
            scaled = upstream * gamma
            grad_inputs = inv_std * (
                scaled
                - tf.reduce_mean(scaled, axis=-1, keepdims=True)
                - normalized * tf.reduce_mean(scaled * normalized, axis=-1, keepdims=True)
            )
            return (
                tf.cast(grad_inputs, inputs.dtype),
                tf.reduce_sum(upstream * normalized, axis=outer_axes),
                tf.reduce_sum(upstream, axis=outer_axes),
            )

        return output, backward

    return forward(inputs, tf.cast(gamma, tf.float32), tf.cast(beta, tf.float32))
