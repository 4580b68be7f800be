"""`LongformerPreprocessor`: what the preprocessing layers share (the tokenizer in the graph, its
assets in `.keras` files, texts given as lists or arrays, keras-hub's `(x, y, sample_weight)`)."""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tf_longformer.tokenization.graph_bpe import GraphTokenizer
from tf_longformer.tokenization.tokenizer import LongformerTokenizer

#: Where `.keras` files keep a preprocessor's tokenizer (its assets folder).
TOKENIZER_ASSETS = "tokenizer"


def as_texts(x: Any) -> Any:
    """Texts (a str, list, NumPy array or tensor; or a dict of them) as `tf.string` tensors."""
    if isinstance(x, dict):
        return {name: as_texts(value) for name, value in x.items()}
    if isinstance(x, (str, list, tuple, np.ndarray)):
        return tf.convert_to_tensor(np.asarray(x, dtype=object).astype(str) if not isinstance(x, str) else x)
    return x


def checked_texts(texts: Any, what: str) -> tf.Tensor:
    """`texts` as a `tf.string [batch]` tensor (one string: a batch of one)."""
    texts = tf.convert_to_tensor(texts)
    if texts.dtype != tf.string:
        raise ValueError(f"The preprocessor takes {what} as strings; received a {texts.dtype.name} tensor.")
    return tf.reshape(texts, [-1]) if texts.shape.rank == 0 else texts


class LongformerPreprocessor(keras.layers.Layer):
    """Base of the preprocessing layers (see `LongformerTextClassifierPreprocessor`).

    Args:
        tokenizer: the `LongformerTokenizer` whose vocabulary and merges the layer carries
            (None only when Keras rebuilds the layer from a file, before loading its assets).
        sequence_length: the longest row, special tokens included (default: the tokenizer's
            `model_max_length`).
        **kwargs: Keras layer arguments (`name`, ...).
    """

    def __init__(
        self, tokenizer: LongformerTokenizer | None = None, sequence_length: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if sequence_length is not None and (
            isinstance(sequence_length, bool) or not isinstance(sequence_length, int) or sequence_length < 2
        ):
            raise ValueError(
                f"sequence_length must be an int >= 2 (room for <s> and </s>). Received: {sequence_length!r}"
            )
        self.sequence_length = sequence_length
        self.tokenizer: LongformerTokenizer | None = None
        self._graph_tokenizer: GraphTokenizer | None = None
        if tokenizer is not None:
            self.set_tokenizer(tokenizer)

    def set_tokenizer(self, tokenizer: LongformerTokenizer) -> None:
        """Builds the graph form of `tokenizer` (its vocabulary and merges) for the calls to come."""
        if self.sequence_length is None and tokenizer.model_max_length is None:
            raise ValueError("Pass sequence_length: the tokenizer has no model_max_length.")
        self.sequence_length = self.sequence_length or tokenizer.model_max_length
        self.tokenizer = tokenizer
        self._graph_tokenizer = GraphTokenizer.from_tokenizer(tokenizer, max_length=self.sequence_length)

    @property
    def graph_tokenizer(self) -> GraphTokenizer:
        if self._graph_tokenizer is None:
            raise ValueError("This preprocessor has no tokenizer: pass one to the constructor (or `set_tokenizer`).")
        return self._graph_tokenizer

    def __call__(self, x: Any, y: Any = None, sample_weight: Any = None, **kwargs: Any) -> Any:
        # Keras takes only tensors positionally, and the labels may be lists: keywords.
        return super().__call__(as_texts(x), y=y, sample_weight=sample_weight, **kwargs)

    @staticmethod
    def input_specs(batch: int | None) -> dict[str, keras.KerasTensor]:
        """The specs of the model inputs a preprocessor gives: int32 [batch, length]."""
        spec = keras.KerasTensor((batch, None), dtype="int32")
        return {name: spec for name in ("input_ids", "attention_mask", "global_attention_mask")}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "sequence_length": self.sequence_length}

    def save_assets(self, dir_path: str) -> None:
        if self.tokenizer is not None:
            self.tokenizer.save_pretrained(os.path.join(dir_path, TOKENIZER_ASSETS))

    def load_assets(self, dir_path: str) -> None:
        self.set_tokenizer(LongformerTokenizer.from_pretrained(os.path.join(dir_path, TOKENIZER_ASSETS)))
