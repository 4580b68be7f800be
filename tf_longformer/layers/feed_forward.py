"""`LongformerFeedForward`: dense -> activation -> dense -> dropout -> residual LayerNorm."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.layers import fusion
from tf_longformer.layers.layer_config import ArgumentsConfig, reference_dense
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
class LongformerFeedForward(ArgumentsConfig, keras.layers.Layer):
    """The feed-forward block: `dense(intermediate) -> activation -> dense -> dropout -> residual LayerNorm`.

    Args:
        hidden_size: width of the hidden states (default: read from the build shape).
        intermediate_size: width of the inner layer.
        hidden_act: the activation, a name in `ACTIVATIONS`.
        hidden_dropout: dropout after the output projection.
        layer_norm_eps: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal kernel initialisers.
    """

    def __init__(
        self,
        hidden_size: int | None = None,
        intermediate_size: int | None = None,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if intermediate_size is None:
            raise ValueError("`LongformerFeedForward` needs an `intermediate_size`. Received: intermediate_size=None")
        if hidden_act not in ACTIVATIONS:
            raise ValueError(f"`hidden_act` must be one of {sorted(ACTIVATIONS)}. Received: hidden_act={hidden_act!r}")
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        # `ops.feed_forward` reads its kernel and bias where `fusion.fusable`, else it is called.
        self.intermediate = reference_dense(intermediate_size, initializer_range, self.dtype_policy, "intermediate")

    def build(self, input_shape):
        if self.hidden_size not in (None, input_shape[-1]):
            raise ValueError(
                f"This layer has hidden_size={self.hidden_size}; it cannot take inputs of width {input_shape[-1]}."
            )
        self.hidden_size = int(input_shape[-1])
        self.intermediate.build(input_shape)
        self.output_projection = ResidualProjection(
            self.hidden_size,
            self.hidden_dropout,
            self.layer_norm_eps,
            self.initializer_range,
            dtype=self.dtype_policy,
            name="output",
        )
        self.output_projection.build(tuple(input_shape)[:-1] + (self.intermediate_size,))
        self.built = True

    def call(self, hidden_states, training=None):
        output_kernel = self.output_projection.fused_kernel()
        if output_kernel is None or not fusion.fusable(self.intermediate):
            activated = ACTIVATIONS[self.hidden_act](self.intermediate(hidden_states))
            return self.output_projection(activated, hidden_states, training=training)
        projected = feed_forward_ops.feed_forward(
            hidden_states,
            tf.cast(self.intermediate.kernel, self.compute_dtype),
            tf.cast(self.intermediate.bias, self.compute_dtype),
            output_kernel,
            ACTIVATIONS[self.hidden_act],
            # In training the activation is recomputed for the gradient instead of kept;
            # inference graphs stay free of custom gradients (and fusable).
            recompute_activation=bool(training),
        )
        return self.output_projection(projected, hidden_states, training=training, kernel_applied=True)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
