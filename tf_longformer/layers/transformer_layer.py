"""`LongformerLayer`: the attention block then the feed-forward block."""

from __future__ import annotations

import keras

from tf_longformer.layers.attention_block import LongformerAttention
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.feed_forward import LongformerFeedForward
from tf_longformer.layers.layer_config import ArgumentsConfig


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerLayer(ArgumentsConfig, keras.layers.Layer):
    """One transformer layer: `LongformerAttention` then `LongformerFeedForward`.

    Args:
        attention_options: an `AttentionOptions` with a window (or its `get_config` dict).
        hidden_size: width of the hidden states (default: read from the build shape).
        intermediate_size: the feed-forward block's inner width (see `LongformerFeedForward`).
        hidden_act: the feed-forward block's activation.
        hidden_dropout: dropout after each block's output projection.
        layer_norm_eps: LayerNorm epsilon.
    """

    config_renames = {
        "hidden_size": "attention.hidden_size",
        "intermediate_size": "feed_forward.intermediate_size",
        "hidden_act": "feed_forward.hidden_act",
        "hidden_dropout": "feed_forward.hidden_dropout",
        "layer_norm_eps": "feed_forward.layer_norm_eps",
    }

    def __init__(
        self,
        attention_options: AttentionOptions | dict,
        hidden_size: int | None = None,
        intermediate_size: int | None = None,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.attention = LongformerAttention(
            attention_options, hidden_size, hidden_dropout, layer_norm_eps, dtype=self.dtype_policy, name="attention"
        )
        self.supports_jit = self.attention.supports_jit
        self.feed_forward = LongformerFeedForward(
            hidden_size,
            intermediate_size,
            hidden_act,
            hidden_dropout,
            layer_norm_eps,
            self.attention_options.initializer_range,
            dtype=self.dtype_policy,
            name="feed_forward",
        )

    @property
    def attention_options(self) -> AttentionOptions:
        return self.attention.attention_options

    def build(self, input_shape):
        self.attention.build(input_shape)
        self.feed_forward.build(input_shape)
        self.built = True

    def attention_layout(self, attention_mask):
        """Where each token may look under this layer's window: computed once by the encoder
        for all the layers that share a window, and passed to their calls."""
        return self.attention.attention_layout(attention_mask)

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False, attention_layout=None):
        """`attention_layout`: optional, `self.attention_layout(attention_mask)`, or that of a
        layer with the same attention options (see `LongformerEncoder`)."""
        attended = self.attention(
            hidden_states,
            attention_mask,
            training=training,
            return_attention_probs=return_attention_probs,
            attention_layout=attention_layout,
        )
        probs = ()
        if return_attention_probs:
            attended, *probs = attended
        output = self.feed_forward(attended, training=training)
        return (output, *probs) if return_attention_probs else output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
