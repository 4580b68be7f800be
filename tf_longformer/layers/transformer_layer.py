"""`LongformerLayer`: the attention block then the feed-forward block."""

from __future__ import annotations

import keras

from tf_longformer.layers.attention_block import LongformerAttention
from tf_longformer.layers.feed_forward import LongformerFeedForward


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerLayer(keras.layers.Layer):
    """One transformer layer: `LongformerAttention` then `LongformerFeedForward`.

    Takes the arguments of both blocks (see them).
    """

    def __init__(
        self,
        hidden_size: int,
        num_attention_heads: int,
        intermediate_size: int,
        attention_window: int,
        hidden_act: str = "gelu",
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
        self.intermediate_size = intermediate_size
        self.attention_window = attention_window
        self.hidden_act = hidden_act
        self.attention_dropout = attention_dropout
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.initializer_range = initializer_range
        self.attention = LongformerAttention(
            hidden_size,
            num_attention_heads,
            attention_window,
            attention_dropout=attention_dropout,
            hidden_dropout=hidden_dropout,
            layer_norm_eps=layer_norm_eps,
            max_global_tokens=max_global_tokens,
            query_block_size=query_block_size,
            initializer_range=initializer_range,
            dtype=self.dtype_policy,
            name="attention",
        )
        self.supports_jit = self.attention.supports_jit
        self.feed_forward = LongformerFeedForward(
            hidden_size,
            intermediate_size,
            hidden_act,
            hidden_dropout,
            layer_norm_eps,
            initializer_range,
            dtype=self.dtype_policy,
            name="feed_forward",
        )

    def build(self, input_shape):
        self.attention.build(input_shape)
        self.feed_forward.build(input_shape)
        self.built = True

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False, attention_layout=None):
        """`attention_layout`: optional, `self.attention.self_attention.layout(attention_mask)`
        computed once for the layers that share a window (see `LongformerEncoder`)."""
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

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            attention_window=self.attention_window,
            hidden_act=self.hidden_act,
            attention_dropout=self.attention_dropout,
            hidden_dropout=self.hidden_dropout,
            layer_norm_eps=self.layer_norm_eps,
            max_global_tokens=self.max_global_tokens,
            query_block_size=self.query_block_size,
            initializer_range=self.initializer_range,
        )
        return config
