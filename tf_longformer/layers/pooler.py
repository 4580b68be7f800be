"""`LongformerPooler`: the first token's hidden state through dense + tanh."""

from __future__ import annotations

import keras

from tf_longformer.layers.layer_config import ArgumentsConfig, reference_dense


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerPooler(ArgumentsConfig, keras.layers.Layer):
    """`tanh(dense(hidden_states[:, 0]))`, as the reference's pooler.

    Args:
        hidden_size: width of the hidden states.
        initializer_range: stddev of the truncated-normal kernel initialiser.
    """

    def __init__(self, hidden_size: int, initializer_range: float = 0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.initializer_range = initializer_range
        self.dense = reference_dense(hidden_size, initializer_range, self.dtype_policy, "dense", activation="tanh")

    def build(self, input_shape):
        self.dense.build((input_shape[0], input_shape[-1]))
        self.built = True

    def call(self, hidden_states):
        return self.dense(hidden_states[:, 0])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.hidden_size)
