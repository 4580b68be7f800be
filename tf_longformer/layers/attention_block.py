"""`LongformerAttention`: self-attention, then projection, dropout and residual LayerNorm."""

from __future__ import annotations

import keras

from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.layer_config import ArgumentsConfig
from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.layers.self_attention import LongformerSelfAttention


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerAttention(ArgumentsConfig, keras.layers.Layer):
    """The attention block: `LongformerSelfAttention`, then projection, dropout and residual LayerNorm.

    Args:
        attention_options: an `AttentionOptions` with a window (or its `get_config` dict).
        hidden_size: width of the hidden states (default: read from the build shape).
        hidden_dropout: dropout after the output projection.
        layer_norm_eps: LayerNorm epsilon.
    """

    def __init__(
        self,
        attention_options: AttentionOptions | dict,
        hidden_size: int | None = None,
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.self_attention = LongformerSelfAttention(
            attention_options, hidden_size, dtype=self.dtype_policy, name="self"
        )
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.supports_jit = self.self_attention.supports_jit

    @property
    def attention_options(self) -> AttentionOptions:
        return self.self_attention.attention_options

    @property
    def hidden_size(self) -> int | None:
        return self.self_attention.hidden_size

    def build(self, input_shape):
        self.self_attention.build(input_shape)
        self.output_projection = ResidualProjection(
            self.hidden_size,
            self.hidden_dropout,
            self.layer_norm_eps,
            self.attention_options.initializer_range,
            dtype=self.dtype_policy,
            name="output",
        )
        self.output_projection.build(input_shape)
        self.built = True

    def attention_layout(self, attention_mask):
        """`LongformerSelfAttention.layout`: where each token may look under this block's window."""
        return self.self_attention.layout(attention_mask)

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False, attention_layout=None):
        # The output projection's matmul runs inside the self-attention's recomputed span (see
        # `LongformerSelfAttention.call`); its bias, dropout and LayerNorm follow in its own call.
        output_kernel = self.output_projection.fused_kernel()
        attended = self.self_attention(
            hidden_states,
            attention_mask,
            training=training,
            return_attention_probs=return_attention_probs,
            output_kernel=output_kernel,
            attention_layout=attention_layout,
        )
        probs = ()
        if return_attention_probs:
            attended, *probs = attended
        output = self.output_projection(
            attended, hidden_states, training=training, kernel_applied=output_kernel is not None
        )
        return (output, *probs) if return_attention_probs else output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
