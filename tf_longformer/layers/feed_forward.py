"""`LongformerFeedForward`: dense -> activation -> dense -> dropout -> residual LayerNorm."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.ops import feed_forward as feed_forward_ops

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
        # The activation is applied in `call`, together with the output projection.
        self.intermediate = keras.layers.Dense(
            intermediate_size,
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
        dense = self.output_projection.dense
        # In training the activation is recomputed for the gradient instead of kept; inference
        # graphs stay free of custom gradients.
        project = feed_forward_ops.activation_then_projection if training else feed_forward_ops.apply_and_project
        projected = project(
            self.intermediate(hidden_states),
            tf.cast(dense.kernel, self.compute_dtype),
            tf.cast(dense.bias, self.compute_dtype),
            ACTIVATIONS[self.hidden_act],
        )
        return self.output_projection.add_and_normalize(projected, hidden_states, training=training)

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
