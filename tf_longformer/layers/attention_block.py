"""`LongformerAttention`: self-attention, then projection, dropout and residual LayerNorm."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.layers.self_attention import LongformerSelfAttention


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerAttention(keras.layers.Layer):
    """The attention block: `LongformerSelfAttention`, then projection, dropout and residual LayerNorm.

    Args: those of `LongformerSelfAttention`, plus `hidden_dropout` (after the projection)
    and `layer_norm_eps`.
    """

    def __init__(
        self,
        hidden_size: int,
        num_attention_heads: int,
        attention_window: int,
        attention_dropout: float = 0.0,
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.attention_window = attention_window
        self.attention_dropout = attention_dropout
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.initializer_range = initializer_range
        self.self_attention = LongformerSelfAttention(
            hidden_size,
            num_attention_heads,
            attention_window,
            dropout=attention_dropout,
            max_global_tokens=max_global_tokens,
            query_block_size=query_block_size,
            initializer_range=initializer_range,
            dtype=self.dtype_policy,
            name="self",
        )
        self.supports_jit = self.self_attention.supports_jit
        self.output_projection = ResidualProjection(
            hidden_size, hidden_dropout, layer_norm_eps, initializer_range, dtype=self.dtype_policy, name="output"
        )

    def build(self, input_shape):
        self.self_attention.build(input_shape)
        self.output_projection.build(input_shape)
        self.built = True

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False, attention_layout=None):
        dense = self.output_projection.dense
        # The projection's matmul runs inside the self-attention's recomputed span (see
        # `LongformerSelfAttention.call`); its bias, dropout and LayerNorm follow here.
        attended = self.self_attention(
            hidden_states,
            attention_mask,
            training=training,
            return_attention_probs=return_attention_probs,
            output_kernel=tf.cast(dense.kernel, self.compute_dtype),
            attention_layout=attention_layout,
        )
        probs = ()
        if return_attention_probs:
            attended, *probs = attended
        projected = attended + tf.cast(dense.bias, self.compute_dtype)
        output = self.output_projection.add_and_normalize(projected, hidden_states, training=training)
        return (output, *probs) if return_attention_probs else output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            attention_window=self.attention_window,
            attention_dropout=self.attention_dropout,
            hidden_dropout=self.hidden_dropout,
            layer_norm_eps=self.layer_norm_eps,
            max_global_tokens=self.max_global_tokens,
            query_block_size=self.query_block_size,
            initializer_range=self.initializer_range,
        )
        return config
