"""`LongformerTextClassifierPreprocessor`: strings to `input_ids`, `attention_mask` and the
classification global mask, with the tokenizer in the graph (for `tf.data`, `fit` and serving)."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf_longformer.ops import auto_global
from tf_longformer.preprocessing.base import LongformerPreprocessor, checked_texts


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerTextClassifierPreprocessor(LongformerPreprocessor):
    """Texts in, a classifier's inputs out: byte-level BPE inside the TensorFlow graph.

    The ids and the global mask are those of `LongformerTokenizer(texts, truncation=True,
    max_length=sequence_length, padding=True, global_attention="classification")`: `<s> text
    </s>`, truncated to `sequence_length` tokens, padded to the batch's longest row (the model
    pads to its window multiple itself), global attention on `<s>`. Core TensorFlow ops only
    (no `py_function`, no tensorflow-text), so it runs in `tf.data.Dataset.map` with
    `num_parallel_calls`, under `tf.distribute`, and in a SavedModel served by TF Serving.

    Like keras-hub's preprocessors it takes `(x, y, sample_weight)` and passes the labels
    through, so `dataset.map(preprocessor)` turns a dataset of `(text, label)` into what
    `model.fit` takes. In a `.keras` file the tokenizer is saved as assets.

    Args:
        tokenizer: the `LongformerTokenizer` whose vocabulary and merges the layer carries
            (None only when Keras rebuilds the layer from a file, before loading its assets).
        sequence_length: the longest row, special tokens included (default: the tokenizer's
            `model_max_length`).
        **kwargs: Keras layer arguments (`name`, ...).

    Call arguments:
        - `x`: texts: a `tf.string` tensor `[batch]`, a NumPy array or a list of `str`.
        - `y`: labels, passed through unchanged.
        - `sample_weight`: passed through unchanged.

    Returns:
        `x` as a dict of int32 `[batch, length]` tensors (`input_ids`, `attention_mask`,
        `global_attention_mask`), or `(x, y)` / `(x, y, sample_weight)` when those were given.

    Example:
        >>> tokenizer = tfl.LongformerTokenizer.from_pretrained("default")          # doctest: +SKIP
        >>> preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=4096)
        >>> dataset = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(8)
        >>> model.fit(dataset.map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE))
    """

    def call(self, x: tf.Tensor, y: Any = None, sample_weight: Any = None) -> Any:
        encoded = self.graph_tokenizer.encode(checked_texts(x, "texts"))
        inputs = {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "global_attention_mask": auto_global.classification_global_mask(encoded["input_ids"]),
        }
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)

    def compute_output_spec(self, x: Any, y: Any = None, sample_weight: Any = None) -> Any:
        batch = x.shape[0] if len(x.shape) else 1
        inputs = self.input_specs(batch)
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)
