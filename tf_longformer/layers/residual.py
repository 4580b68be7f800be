"""Dense projection + dropout + residual LayerNorm, the output step of both sub-layers."""

from __future__ import annotations

import keras

from tf_longformer.ops.layer_norm import lean_layer_normalization


@keras.saving.register_keras_serializable(package="tf_longformer")
class ResidualProjection(keras.layers.Layer):
    """`LayerNorm(dropout(dense(x)) + residual)`: the reference's `*Output` modules.

    Args:
        hidden_size: output width.
        dropout: dropout rate after the projection.
        layer_norm_eps: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal kernel initialiser.
    """

    def __init__(self, hidden_size: int, dropout: float = 0.0, layer_norm_eps: float = 1e-12, initializer_range: float = 0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.dropout_rate = dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            hidden_size,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
            dtype=self.dtype_policy,
            name="dense",
        )
        self.layer_norm = keras.layers.LayerNormalization(epsilon=layer_norm_eps, dtype=self.dtype_policy, name="LayerNorm")
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.layer_norm.build(tuple(input_shape)[:-1] + (self.hidden_size,))
        self.built = True

    def call(self, inputs, residual, training=None):
        return self.add_and_normalize(self.dense(inputs), residual, training=training)

    def add_and_normalize(self, projected, residual, training=None):
        """The step after the projection, for a caller that computed `dense(inputs)` its own way."""
        summed = self.dropout(projected, training=training) + residual
        if not training:
            return self.layer_norm(summed)
        # Same values; its gradient keeps one tensor of the input's size instead of three.
        return lean_layer_normalization(summed, self.layer_norm.gamma, self.layer_norm.beta, self.layer_norm_eps)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.hidden_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            dropout=self.dropout_rate,
            layer_norm_eps=self.layer_norm_eps,
            initializer_range=self.initializer_range,
        )
        return config
