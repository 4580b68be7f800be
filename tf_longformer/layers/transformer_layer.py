"""`LongformerLayer`: self-attention block then feed-forward block, each with a residual."""

from __future__ import annotations

import keras

from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.layers.self_attention import LongformerSelfAttention

ACTIVATIONS = {
    "gelu": lambda x: keras.activations.gelu(x, approximate=False),
    "gelu_new": lambda x: keras.activations.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: keras.activations.gelu(x, approximate=True),
    "gelu_fast": lambda x: keras.activations.gelu(x, approximate=True),
    "relu": keras.activations.relu,
    "silu": keras.activations.silu,
    "swish": keras.activations.silu,
    "tanh": keras.activations.tanh,
}


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

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False):
        attended = self.self_attention(
            hidden_states, attention_mask, training=training, return_attention_probs=return_attention_probs
        )
        probs = ()
        if return_attention_probs:
            attended, *probs = attended
        output = self.output_projection(attended, hidden_states, training=training)
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


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerFeedForward(keras.layers.Layer):
    """The feed-forward block: `dense(intermediate) -> activation -> dense -> dropout -> residual LayerNorm`."""

    def __init__(
        self,
        hidden_size: int,
        intermediate_size: int,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if hidden_act not in ACTIVATIONS:
            raise ValueError(f"`hidden_act` must be one of {sorted(ACTIVATIONS)}. Received: hidden_act={hidden_act!r}")
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.intermediate = keras.layers.Dense(
            intermediate_size,
            activation=ACTIVATIONS[hidden_act],
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
            dtype=self.dtype_policy,
            name="intermediate",
        )
        self.output_projection = ResidualProjection(
            hidden_size, hidden_dropout, layer_norm_eps, initializer_range, dtype=self.dtype_policy, name="output"
        )

    def build(self, input_shape):
        self.intermediate.build(input_shape)
        self.output_projection.build(tuple(input_shape)[:-1] + (self.intermediate_size,))
        self.built = True

    def call(self, hidden_states, training=None):
        return self.output_projection(self.intermediate(hidden_states), hidden_states, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            hidden_dropout=self.hidden_dropout,
            layer_norm_eps=self.layer_norm_eps,
            initializer_range=self.initializer_range,
        )
        return config


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

    def call(self, hidden_states, attention_mask, training=None, return_attention_probs=False):
        attended = self.attention(
            hidden_states, attention_mask, training=training, return_attention_probs=return_attention_probs
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
