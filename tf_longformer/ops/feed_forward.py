"""The feed-forward block's middle step, written to keep little for the backward pass."""

from __future__ import annotations

from typing import Callable

import tensorflow as tf

from tf_longformer.ops.projection import project_last_axis


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
        flat = tf.reshape(pre_activation, [-1, tf.shape(pre_activation)[-1]])

        def backward(upstream):
            flat_upstream = tf.reshape(upstream, [-1, tf.shape(kernel)[1]])
            # Recompute once the gradient arrives: TensorFlow runs an op as soon as its inputs
            # exist, so without this the [..., I] activation (and GELU's internals) would be
            # computed right after the forward pass and kept until now, defeating the point.
            with tf.control_dependencies([flat_upstream]):
                recompute_from = tf.identity(flat)
            with tf.GradientTape() as tape:
                tape.watch(recompute_from)
                activated = activation(recompute_from)
            grad_activated = tf.matmul(flat_upstream, kernel, transpose_b=True)
            grad_pre_activation = tape.gradient(activated, recompute_from, output_gradients=grad_activated)
            return (
                tf.reshape(grad_pre_activation, tf.shape(pre_activation)),
                tf.matmul(activated, flat_upstream, transpose_a=True),
                tf.reduce_sum(flat_upstream, axis=0),
            )

        return apply_and_project(pre_activation, kernel, bias, activation), backward

    return forward(pre_activation, kernel, bias)


def apply_and_project(
    pre_activation: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, activation: Callable[[tf.Tensor], tf.Tensor]
) -> tf.Tensor:
    """`activation(pre_activation) @ kernel + bias` with plain autodiff (the forward of the above)."""
    return project_last_axis(activation(pre_activation), kernel) + bias
