"""The feed-forward block's two matmuls and activation, fusable for inference and lean for training."""

from __future__ import annotations

from typing import Callable

import tensorflow as tf

from tf_longformer.ops.projection import restore_leading_axes

Activation = Callable[[tf.Tensor], tf.Tensor]


def feed_forward(
    hidden_states: tf.Tensor,
    intermediate_kernel: tf.Tensor,
    intermediate_bias: tf.Tensor,
    output_kernel: tf.Tensor,
    activation: Activation,
    recompute_activation: bool = False,
) -> tf.Tensor:
    """`activation(hidden_states @ intermediate_kernel + intermediate_bias) @ output_kernel`.

    The output bias is left to the caller (it comes with the residual and LayerNorm).

    - Inference: a 2-D matmul, `tf.nn.bias_add` and the activation, in that order and
      nothing between them, which is the pattern Grappler's remapper fuses into one oneDNN
      kernel (`_FusedMatMul` with GELU). Unfused, an exact GELU in bfloat16 costs about as
      much as the matmul before it (TensorFlow's erf runs element by element in bfloat16).
    - Training (`recompute_activation=True`): `activation_then_projection`, which keeps only
      the pre-activation for the backward pass, with the activation computed in float32
      (`in_float32`).

    Args:
        hidden_states: [..., H].
        intermediate_kernel: [H, I]; intermediate_bias: [I]; output_kernel: [I, O]; all in
            the dtype of `hidden_states`.
        activation: an elementwise function, differentiable by TensorFlow.
        recompute_activation: use the training form.

    Returns:
        [..., O].
    """
    flat_states = tf.reshape(hidden_states, [-1, tf.shape(intermediate_kernel)[0]])
    pre_activation = tf.nn.bias_add(tf.matmul(flat_states, intermediate_kernel), intermediate_bias)
    if recompute_activation:
        flat_output = activation_then_projection(pre_activation, output_kernel, in_float32(activation))
    else:
        flat_output = tf.matmul(activation(pre_activation), output_kernel)
    return restore_leading_axes(flat_output, hidden_states)


def in_float32(activation: Activation) -> Activation:
    """`activation` computed in float32 and cast back (the identity for float32 inputs).

    An exact GELU and its gradient in bfloat16 take ~1.6x the time of the same in float32
    on a CPU (the casts included), and float32 rounds once instead of at every step.
    """

    def activation_in_float32(values: tf.Tensor) -> tf.Tensor:
        if values.dtype == tf.float32:
            return activation(values)
        return tf.cast(activation(tf.cast(values, tf.float32)), values.dtype)

    return activation_in_float32


def activation_then_projection(pre_activation: tf.Tensor, kernel: tf.Tensor, activation: Activation) -> tf.Tensor:
    """`activation(pre_activation) @ kernel`, keeping only `pre_activation` for the gradients.

    The activated [..., I] tensor (I = 4 x hidden) and the internals of an exact GELU (erf
    and its products, each as large) are the biggest tensors a layer would otherwise hold
    until its backward pass; recomputing the activation there is elementwise and cheap.

    Args:
        pre_activation: [..., I].
        kernel: [I, O], in the dtype of `pre_activation`.
        activation: an elementwise function, differentiable by TensorFlow.
    """

    @tf.custom_gradient
    def forward(pre_activation, kernel):
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
            return tf.reshape(grad_pre_activation, tf.shape(pre_activation)), tf.matmul(
                activated, flat_upstream, transpose_a=True
            )

        return restore_leading_axes(tf.matmul(activation(flat), kernel), pre_activation), backward

    return forward(pre_activation, kernel)
