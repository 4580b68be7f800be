"""Token, position and token-type embeddings, summed and normalised."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.layers import fusion
from tf_longformer.layers.layer_config import ArgumentsConfig
from tf_longformer.ops import masks as mask_ops


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerEmbeddings(ArgumentsConfig, keras.layers.Layer):
    """Word + position + token-type embeddings, then LayerNorm and dropout.

    Position ids follow the reference (RoBERTa) rule: they count non-padding tokens from
    `pad_token_id + 1`, padding gets `pad_token_id`; with `inputs_embeds` they run
    `pad_token_id + 1 ... pad_token_id + length`.

    Args:
        vocab_size: rows of the word table.
        hidden_size: width of every table.
        max_position_embeddings: rows of the position table.
        type_vocab_size: rows of the token-type table.
        pad_token_id: id of the padding token (also the position-id offset).
        layer_norm_eps: LayerNorm epsilon.
        dropout: dropout rate on the output.
        initializer_range: stddev of the truncated-normal initialiser.
    """

    config_renames = {"dropout": "dropout_rate"}

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        max_position_embeddings: int,
        type_vocab_size: int = 2,
        pad_token_id: int = 1,
        layer_norm_eps: float = 1e-12,
        dropout: float = 0.0,
        initializer_range: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.pad_token_id = pad_token_id
        self.layer_norm_eps = layer_norm_eps
        self.dropout_rate = dropout
        self.initializer_range = initializer_range

        def table(rows: int, name: str) -> keras.layers.Embedding:
            return keras.layers.Embedding(
                rows,
                hidden_size,
                embeddings_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
                dtype=self.dtype_policy,
                name=name,
            )

        self.word_embeddings = table(vocab_size, "word_embeddings")
        self.position_embeddings = table(max_position_embeddings, "position_embeddings")
        self.token_type_embeddings = table(type_vocab_size, "token_type_embeddings")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_eps, dtype=self.dtype_policy, name="LayerNorm"
        )
        self.dropout = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        """Builds the tables; `input_shape` is that of `input_ids`, [batch, length] (default free)."""
        ids_shape = (None, None) if input_shape is None else tuple(input_shape)[:2]
        for table in (self.word_embeddings, self.position_embeddings, self.token_type_embeddings):
            table.build(ids_shape)
        self.layer_norm.build(ids_shape + (self.hidden_size,))
        self.built = True

    def word_embedding_rows(self, ids=None) -> tf.Tensor:
        """Rows `ids` of the word-embedding table (all of it by default), as the table looks them
        up: what the tied masked-LM decoder and the padding of `inputs_embeds` read."""
        table = self.word_embeddings
        if fusion.fusable(table):
            return table.embeddings if ids is None else tf.gather(table.embeddings, ids)
        return table(tf.range(self.vocab_size) if ids is None else tf.convert_to_tensor(ids, tf.int32))

    def call(self, input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None, training=None):
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        shape = tf.shape(inputs_embeds)
        if position_ids is None:
            if input_ids is not None:
                position_ids = mask_ops.position_ids_from_input_ids(tf.cast(input_ids, tf.int32), self.pad_token_id)
            else:
                position_ids = mask_ops.position_ids_from_length(shape[0], shape[1], self.pad_token_id)
        if token_type_ids is None:
            token_type_ids = tf.zeros(shape[:2], tf.int32)
        embeddings = inputs_embeds + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.layer_norm(embeddings), training=training)

    def compute_output_shape(self, input_shape=None):
        """[batch, length, hidden] from the shape of `input_ids` (or of `inputs_embeds`)."""
        ids_shape = (None, None) if input_shape is None else tuple(input_shape)[:2]
        return ids_shape + (self.hidden_size,)
