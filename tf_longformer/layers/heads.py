"""Task-head layers with the reference's structure: the masked-LM head and the classification head."""

from __future__ import annotations

import keras

from tf_longformer.layers.layer_config import ArgumentsConfig, reference_dense


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerLMHead(ArgumentsConfig, keras.layers.Layer):
    """dense -> exact GELU -> LayerNorm -> decoder tied to the word embeddings, plus `bias`.

    The decoder has no kernel of its own: `call` takes the word-embedding matrix
    `[vocab_size, hidden_size]` and multiplies by its transpose, as the reference's tied
    `lm_head.decoder`.

    Args:
        vocab_size: rows of the word-embedding table (width of the logits).
        hidden_size: width of the hidden states.
        layer_norm_eps: epsilon of the LayerNorm.
        initializer_range: stddev of the truncated-normal kernel initialiser.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.dense = reference_dense(hidden_size, initializer_range, self.dtype_policy, "dense")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="layer_norm"
        )

    def build(self, features_shape=None, word_embeddings_shape=None):
        """`features_shape`: [batch, length, hidden] (default free); the embeddings are not ours."""
        shape = (None, None, self.hidden_size) if features_shape is None else tuple(features_shape)
        self.dense.build(shape)
        self.layer_norm.build(shape)
        self.bias = self.add_weight(shape=(self.vocab_size,), initializer="zeros", name="bias")
        self.built = True

    def call(self, features, word_embeddings):
        hidden = keras.activations.gelu(self.dense(features), approximate=False)
        hidden = self.layer_norm(hidden)
        embeddings = keras.ops.cast(word_embeddings, hidden.dtype)
        logits = keras.ops.matmul(hidden, keras.ops.transpose(embeddings))
        return logits + keras.ops.cast(self.bias, logits.dtype)

    def compute_output_shape(self, features_shape=None, word_embeddings_shape=None):
        """[batch, length, vocab_size] from the features' shape."""
        leading = (None, None) if features_shape is None else tuple(features_shape)[:-1]
        return leading + (self.vocab_size,)


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerClassificationHead(ArgumentsConfig, keras.layers.Layer):
    """First token -> dropout -> dense + tanh -> dropout -> `out_proj` (the reference's head).

    Args:
        hidden_size: width of the hidden states.
        num_labels: number of outputs.
        dropout: dropout rate (the config's `hidden_dropout_prob`).
        initializer_range: stddev of the truncated-normal kernel initialiser.
    """

    config_renames = {"dropout": "dropout_rate"}

    def __init__(
        self, hidden_size: int, num_labels: int, dropout: float = 0.1, initializer_range: float = 0.02, **kwargs
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_labels = num_labels
        self.dropout_rate = dropout
        self.initializer_range = initializer_range
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)
        self.dense = reference_dense(hidden_size, initializer_range, self.dtype_policy, "dense", activation="tanh")
        self.out_proj = reference_dense(num_labels, initializer_range, self.dtype_policy, "out_proj")

    def build(self, input_shape=None):
        """`input_shape`: that of the hidden states, [batch, length, hidden] (default free)."""
        batch = None if input_shape is None else tuple(input_shape)[0]
        self.dense.build((batch, self.hidden_size))
        self.out_proj.build((batch, self.hidden_size))
        self.built = True

    def call(self, hidden_states, training=None):
        hidden = self.dropout(hidden_states[:, 0], training=training)
        hidden = self.dropout(self.dense(hidden), training=training)
        return self.out_proj(hidden)

    def compute_output_shape(self, input_shape=None):
        """[batch, num_labels] from the hidden states' shape."""
        batch = None if input_shape is None else tuple(input_shape)[0]
        return (batch, self.num_labels)
