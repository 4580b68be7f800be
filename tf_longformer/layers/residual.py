"""Dense projection + dropout + residual LayerNorm, the output step of both sub-layers."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.layers import fusion
from tf_longformer.layers.layer_config import ArgumentsConfig, reference_dense
from tf_longformer.ops.layer_norm import lean_layer_normalization


@keras.saving.register_keras_serializable(package="tf_longformer")
class ResidualProjection(ArgumentsConfig, keras.layers.Layer):
    """`LayerNorm(dropout(dense(x)) + residual)`: the reference's `*Output` modules.

    Call it with the projection's input and the residual, or with `kernel_applied=True` and
    `x` already `inputs @ fused_kernel()`: this adds the bias and the rest. (The
    self-attention runs that matmul inside its recomputed span, the feed-forward block in
    `ops.feed_forward`, each to keep fewer activations for the backward pass.)

    Args:
        hidden_size: output width.
        dropout: dropout rate after the projection.
        layer_norm_eps: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal kernel initialiser.
    """

    config_renames = {"dropout": "dropout_rate"}

    def __init__(
        self,
        hidden_size: int,
        dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.dropout_rate = dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.dense = reference_dense(hidden_size, initializer_range, self.dtype_policy, "dense")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="LayerNorm"
        )
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.layer_norm.build(tuple(input_shape)[:-1] + (self.hidden_size,))
        self.built = True

    def fused_kernel(self) -> tf.Tensor | None:
        """The projection's kernel [in, hidden_size] in the compute dtype, for a caller that runs
        the matmul inside its own computation and then calls this layer with `kernel_applied=True`;
        None where only calling the projection computes it (see `fusion.fusable`)."""
        if not fusion.fusable(self.dense):
            return None
        return tf.cast(self.dense.kernel, self.compute_dtype)

    def call(
        self,
        inputs,
        residual,
        training=None,
        kernel_applied: bool = False,
    ):
        if kernel_applied:
            projected = inputs + tf.cast(self.dense.bias, self.compute_dtype)
        else:
            projected = self.dense(inputs)
        summed = self.dropout(projected, training=training) + residual
        if not training:
            return self.layer_norm(summed)
        # Same values; its gradient keeps one tensor of the input's size instead of three.
        return lean_layer_normalization(summed, self.layer_norm.gamma, self.layer_norm.beta, self.layer_norm_eps)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.hidden_size,)
