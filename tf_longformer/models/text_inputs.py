"""Text straight into `fit`, `evaluate` and `predict`: a head with a `preprocessor` takes strings.

keras-hub's convention: a task may carry a preprocessing layer; given raw text (strings, a list,
a NumPy string array, or a `tf.data.Dataset` of `text` / `(text, label)`), the task turns it
into a dataset mapped through the preprocessor (tokenized in the graph, in parallel), so the
compiled step only ever sees ids. Token ids (a dict, arrays of ints) go to Keras unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

#: Keras' default batch size, for texts given without one.
DEFAULT_BATCH_SIZE = 32


def is_text(x: Any) -> bool:
    """Whether `x` is raw text: a str, a list/tuple of str, a string array or tensor, or a
    `tf.data.Dataset` whose inputs (the first element of a tuple) are strings."""
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        spec = spec[0] if isinstance(spec, tuple) else spec
        return isinstance(spec, tf.TensorSpec) and spec.dtype == tf.string
    if isinstance(x, str):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and all(isinstance(item, str) for item in x)
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "US" or (x.dtype == object and x.size > 0 and isinstance(x.flat[0], str))
    return isinstance(x, tf.Tensor) and x.dtype == tf.string


def text_dataset(
    preprocessor: Any,
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    *,
    batch_size: int | None = None,
    shuffle: bool = False,
) -> tf.data.Dataset:
    """`x` (texts, with `y` and `sample_weight`, or a dataset of them) as batches mapped through
    `preprocessor`; a dataset is taken as batched, as Keras takes one."""
    if isinstance(x, tf.data.Dataset):
        if y is not None or sample_weight is not None:
            raise ValueError("With a tf.data.Dataset as `x`, put the labels in the dataset; `y` must be None.")
        dataset = x
    else:
        texts = np.asarray([x] if isinstance(x, str) else x, dtype=object).astype(str)
        columns = tuple(c for c in (texts, y, sample_weight) if c is not None)
        if y is None and sample_weight is not None:
            raise ValueError("sample_weight needs y.")
        dataset = tf.data.Dataset.from_tensor_slices(columns if len(columns) > 1 else texts)
        if shuffle:
            dataset = dataset.shuffle(len(texts), reshuffle_each_iteration=True)  # Keras' global seed
        dataset = dataset.batch(batch_size or DEFAULT_BATCH_SIZE)
    return dataset.map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


class TextInputsMixin:
    """`fit`, `evaluate` and `predict` that take raw text when the model has a `preprocessor`."""

    preprocessor: Any

    def _text_batches(self, x, y=None, sample_weight=None, *, batch_size=None, shuffle=False) -> tf.data.Dataset:
        if self.preprocessor is None:
            raise ValueError(
                f"{type(self).__name__} received text but has no preprocessor: give it one "
                "(`preprocessor=tfl.LongformerTextClassifierPreprocessor(tokenizer)` when you build it, or "
                "`from_pretrained` of a checkpoint directory with tokenizer files), or tokenize first."
            )
        return text_dataset(self.preprocessor, x, y, sample_weight, batch_size=batch_size, shuffle=shuffle)

    def _validation_batches(self, validation: Any, batch_size: int | None) -> Any:
        if isinstance(validation, tf.data.Dataset):
            return self._text_batches(validation) if is_text(validation) else validation
        texts, *rest = validation
        if not is_text(texts):
            return validation
        return self._text_batches(texts, *rest, batch_size=batch_size)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, *args, **kwargs):
        if is_text(x):
            if kwargs.get("validation_split"):
                raise ValueError("validation_split does not apply to text inputs: pass validation_data instead.")
            shuffle = kwargs.pop("shuffle", True)
            x = self._text_batches(x, y, kwargs.pop("sample_weight", None), batch_size=batch_size, shuffle=shuffle)
            y = batch_size = None
            kwargs["shuffle"] = False  # the dataset shuffles
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = self._validation_batches(
                kwargs["validation_data"], kwargs.get("validation_batch_size") or batch_size
            )
        return super().fit(x, y, batch_size, epochs, *args, **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, *args, **kwargs):
        if is_text(x):
            x = self._text_batches(x, y, kwargs.pop("sample_weight", None), batch_size=batch_size)
            y = batch_size = None
        return super().evaluate(x, y, batch_size, *args, **kwargs)

    def predict(self, x, batch_size=None, *args, **kwargs):
        if is_text(x):
            x, batch_size = self._text_batches(x, batch_size=batch_size), None
        return super().predict(x, batch_size, *args, **kwargs)
