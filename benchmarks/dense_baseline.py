"""The full-attention baseline: a Keras 3 encoder with the Longformer's dimensions whose
attention is plain n x n (`keras.layers.MultiHeadAttention`), so it shows where banded
attention starts to pay (the crossover) and how quadratic attention scales.

Same shapes as the Longformer encoder (post-LayerNorm RoBERTa layers: attention, residual,
LayerNorm, GELU feed-forward, residual, LayerNorm), random weights, no global projections,
no pooler. Runs in the same interpreter and TensorFlow as tf_longformer, so the comparison
isolates the attention pattern.
"""

from __future__ import annotations

import keras


class PositionEmbedding(keras.layers.Layer):
    """Adds a learned position table's first `length` rows."""

    def __init__(self, max_length: int, hidden: int, **kwargs):
        super().__init__(**kwargs)
        self.table = self.add_weight(shape=(max_length, hidden), initializer="random_normal", name="table")

    def call(self, x):
        return x + self.table[None, : keras.ops.shape(x)[1]]


def build_dense_encoder(cfg: dict, max_length: int) -> keras.Model:
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    inter = cfg["intermediate_size"]
    eps = 1e-5

    ids = keras.Input((None,), dtype="int32")
    tokens = keras.layers.Embedding(cfg["vocab_size"], hidden)(ids)
    x = keras.layers.LayerNormalization(epsilon=eps)(PositionEmbedding(max_length, hidden)(tokens))
    for index in range(cfg["num_hidden_layers"]):
        attention = keras.layers.MultiHeadAttention(
            num_heads=heads, key_dim=hidden // heads, dropout=0.1, name=f"attention_{index}"
        )(x, x)
        x = keras.layers.LayerNormalization(epsilon=eps)(x + keras.layers.Dropout(0.1)(attention))
        ff = keras.layers.Dense(inter, activation=lambda t: keras.activations.gelu(t, approximate=False))(x)
        ff = keras.layers.Dense(hidden)(ff)
        x = keras.layers.LayerNormalization(epsilon=eps)(x + keras.layers.Dropout(0.1)(ff))
    return keras.Model(ids, x, name="dense_encoder")
