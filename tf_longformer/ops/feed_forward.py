"""The feed-forward block's middle step, written to keep little for the backward pass."""

from __future__ import annotations

from typing import Callable

import tensorflow as tf


def activation_then_projection(
    pre_activation: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, activation: Callable[[tf.Tensor], tf.Tensor]
) -> tf.Tensor:
    """`activation(pre_activation) @ kernel + bias`, keeping only `pre_activation` for the gradients.

    The activated [..., I] tensor (I = 4 x hidden) and the internals of an exact GELU (erf
    and its products, each as large) are the biggest tensors a layer would otherwise hold
    until its backward pass; recomputing the activation there is elementwise and cheap.

    Args:
        pre_activation: [..., I].
        kernel: [I, H], bias: [H], in the dtype of `pre_activation`.
        activation: an elementwise function, differentiable by TensorFlow.
    """

    @tf.custom_gradient
    def forward(pre_activation, kernel, bias):
        inner = tf.shape(pre_activation)[-1]
        outer_shape = tf.shape(pre_activation)[:-1]
        flat = tf.reshape(pre_activation, [-1, inner])
        output = tf.matmul(activation(flat), kernel) + bias

        def backward(upstream):
            flat_upstream = tf.reshape(upstream, [-1, tf.shape(kernel)[1]])
            with tf.GradientTape() as tape:
                tape.watch(flat)
                activated = activation(flat)
            grad_activated = tf.matmul(flat_upstream, kernel, transpose_b=True)
            grad_pre_activation = tape.gradient(activated, flat, output_gradients=grad_activated)
            return (
                tf.reshape(grad_pre_activation, tf.shape(pre_activation)),
                tf.matmul(activated, flat_upstream, transpose_a=True),
                tf.reduce_sum(flat_upstream, axis=0),
            )

        output = tf.reshape(output, tf.concat([outer_shape, tf.shape(kernel)[1:]], 0))
        output.set_shape(pre_activation.shape[:-1].concatenate(kernel.shape[1:]))
        return output, backward

    return forward(pre_activation, kernel, bias)
