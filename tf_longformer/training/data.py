"""`tf.data` input pipelines: tokenization and bucketing by length.

`make_dataset` tokenizes texts in large batches with the Rust tokenizer (parallel, outside the
GIL); `preprocessed_dataset` runs a preprocessing layer's in-graph tokenizer on each example
(QA windows included). Both then batch examples of similar length together
(`bucket_by_sequence_length`), so a batch is padded only to its own longest row instead of
the longest document of the dataset.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import tensorflow as tf

from tf_longformer.ops import auto_global
from tf_longformer.tokenization.global_attention import resolve_kind


def default_bucket_boundaries(max_length: int, smallest: int = 64) -> list[int]:
    """Powers of two from `smallest` up to (not including) `max_length`: 64, 128, ..., max_length/2."""
    if max_length < 1:
        raise ValueError(f"max_length must be positive. Received: max_length={max_length}")
    boundaries, value = [], smallest
    while value < max_length:
        boundaries.append(value)
        value *= 2
    return boundaries


def make_dataset(
    texts: Any,
    tokenizer: Any,
    labels: Any = None,
    *,
    text_pairs: Sequence[str] | None = None,
    max_length: int = 4096,
    batch_size: int | None = 8,
    tokens_per_batch: int | None = None,
    bucket_boundaries: Sequence[int] | None = None,
    pad_to_multiple_of: int | None = None,
    global_attention: str | None = None,
    truncation: str = "longest_first",
    shuffle_buffer_size: int | None = None,
    seed: int | None = None,
    tokenize_batch_size: int = 256,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Turns texts (and labels) into padded, length-bucketed batches of Longformer inputs.

    Args:
        texts: a list of str, or a `tf.data.Dataset` whose elements are `text`, `(text, label)`,
            `(text, text_pair)` (both strings) or `((text, text_pair), label)`.
        tokenizer: a `LongformerTokenizer`.
        labels: with a list of texts, one label per text (any shape, numeric); None for none.
        text_pairs: with a list of texts, the second text of each pair (e.g. QA contexts).
        max_length: texts are truncated to this many tokens (special tokens included).
        batch_size: examples per batch (every bucket), unless `tokens_per_batch` is given.
        tokens_per_batch: instead of a fixed batch size, about this many (padded) tokens per
            batch: a bucket whose rows are at most B tokens long gets `tokens_per_batch // B` rows.
        bucket_boundaries: upper lengths of the buckets; default powers of two 64 ... max_length/2.
        pad_to_multiple_of: pad each batch's length up to a multiple of this (e.g. the
            attention window; the model also pads internally, so this is optional).
        global_attention: add `global_attention_mask`: `"question_answering"` / `"qa"` or
            `"classification"`.
        truncation: truncation strategy (`"only_second"` keeps QA questions whole).
        shuffle_buffer_size: shuffle examples (after tokenization, before bucketing).
        seed: shuffle seed, for reproducible order.
        tokenize_batch_size: texts tokenized per call of the Rust tokenizer.
        drop_remainder: drop the last, smaller batch of each bucket.

    Returns:
        A dataset of `features` or `(features, label)`, where `features` is a dict with int32
        `input_ids` and `attention_mask` of shape `(batch, length)` (+ `global_attention_mask`),
        ready for `model.fit`.
    """
    _check_batching(batch_size, tokens_per_batch, tokenize_batch_size=tokenize_batch_size)
    kind = resolve_kind(global_attention) if global_attention is not None else None
    dataset, has_pair, has_label = _as_dataset(texts, labels, text_pairs)

    pad_id = int(tokenizer.pad_token_id)
    sep_id = int(tokenizer.sep_token_id)

    def encode(first: np.ndarray, second: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        decode = lambda batch: [t.decode("utf-8") for t in batch.tolist()]  # noqa: E731
        args = (decode(first),) + ((decode(second),) if second is not None else ())
        ids = tokenizer(*args, truncation=truncation, max_length=max_length)["input_ids"]
        lengths = np.fromiter((len(r) for r in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((i for r in ids for i in r), dtype=np.int32, count=int(lengths.sum()))
        return flat, lengths

    def tokenize(*element: Any) -> Any:  # tf.data passes a tuple element as positional arguments
        if has_label:
            text_part, label = element
        else:
            text_part, label = (element if has_pair else element[0]), None
        inputs = list(text_part) if has_pair else [text_part]
        flat, lengths = tf.numpy_function(encode, inputs, [tf.int32, tf.int64], stateful=False)
        ids = tf.RaggedTensor.from_row_lengths(tf.ensure_shape(flat, [None]), tf.ensure_shape(lengths, [None]))
        return (ids, label) if has_label else ids

    dataset = dataset.batch(tokenize_batch_size).map(tokenize, num_parallel_calls=1).unbatch()

    def features(ids: Any, label: Any = None) -> Any:
        ids = tf.cast(ids, tf.int32)
        out = {"input_ids": ids, "attention_mask": tf.ones_like(ids)}
        return (out, label) if has_label else out

    dataset = dataset.map(features)
    if shuffle_buffer_size:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=seed, reshuffle_each_iteration=seed is None)

    dataset = _bucket_batches(
        dataset,
        {"input_ids": pad_id, "attention_mask": 0},
        has_label=has_label,
        max_length=max_length,
        batch_size=batch_size,
        tokens_per_batch=tokens_per_batch,
        bucket_boundaries=bucket_boundaries,
        drop_remainder=drop_remainder,
    )

    def finish(x: dict[str, tf.Tensor], label: Any = None) -> Any:
        if pad_to_multiple_of:
            length = tf.shape(x["input_ids"])[1]
            extra = (-length) % pad_to_multiple_of
            x = {
                "input_ids": tf.pad(x["input_ids"], [[0, 0], [0, extra]], constant_values=pad_id),
                "attention_mask": tf.pad(x["attention_mask"], [[0, 0], [0, extra]]),
            }
        if kind is not None:
            x["global_attention_mask"] = auto_global.checked_global_mask(kind, x["input_ids"], sep_id)
        return (x, label) if has_label else x

    # Without autotuning the epochs took no longer (tokenization runs one batch at a time anyway).
    return (
        dataset.map(finish, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
        .with_options(_options_without_autotuning())
    )


def preprocessed_dataset(
    preprocessor: Any,
    x: Any,
    y: Any = None,
    *,
    batch_size: int | None = 8,
    tokens_per_batch: int | None = None,
    bucket_boundaries: Sequence[int] | None = None,
    shuffle_buffer_size: int | None = None,
    seed: int | None = None,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Examples through a preprocessing layer, then batched with examples of similar length.

    `make_dataset`'s batches with the tokenizer in the graph: each example goes through
    `preprocessor` on its own (a parallel `map`, no Python), then rows whose token lengths
    fall in the same bucket are batched together and padded to their longest. A question whose
    context the preprocessor reads in windows (its `stride`) gives a row per window, each with
    its labels.

    Args:
        preprocessor: a `LongformerTextClassifierPreprocessor` or
            `LongformerQuestionAnsweringPreprocessor`.
        x: the examples' texts: a list or array of str, or a dict of them (`question`, `context`).
        y: their labels: an array, a dict of arrays (`answer_start`, `answer_text`), or None.
        batch_size: rows per batch (every bucket), unless `tokens_per_batch` is given.
        tokens_per_batch: instead, about this many padded tokens per batch (see `make_dataset`).
        bucket_boundaries: upper lengths of the buckets; default powers of two 64 ... half the
            preprocessor's `sequence_length`.
        drop_remainder: drop the last, smaller batch of each bucket.
        shuffle_buffer_size: shuffle examples (before tokenization), reshuffled each epoch.
        seed: shuffle seed, for a reproducible order.

    Returns:
        A dataset of `features` or `(features, labels)`: int32 `input_ids`, `attention_mask`
        and `global_attention_mask` of shape `(batch, length)`, ready for `model.fit`.
    """
    _check_batching(batch_size, tokens_per_batch)
    has_label = y is not None
    dataset = tf.data.Dataset.from_tensor_slices((x, y) if has_label else x)
    if shuffle_buffer_size:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=seed, reshuffle_each_iteration=True)
    # One example per call, so each row is padded to no more than its own (longest window's) length.
    dataset = dataset.batch(1).map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    padding = {"input_ids": preprocessor.tokenizer.pad_token_id, "attention_mask": 0, "global_attention_mask": 0}
    dataset = _bucket_batches(
        dataset,
        padding,
        has_label=has_label,
        max_length=preprocessor.sequence_length,
        batch_size=batch_size,
        tokens_per_batch=tokens_per_batch,
        bucket_boundaries=bucket_boundaries,
        drop_remainder=drop_remainder,
    )
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(_options_without_autotuning())


def _check_batching(batch_size: Any, tokens_per_batch: Any, **others: Any) -> None:
    if batch_size is None and tokens_per_batch is None:
        raise ValueError("Pass batch_size or tokens_per_batch. Received: batch_size=None, tokens_per_batch=None")
    for name, value in (("batch_size", batch_size), ("tokens_per_batch", tokens_per_batch), *others.items()):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int. Received: {name}={value!r}")


def _bucket_batches(
    dataset: tf.data.Dataset,
    padding_values: dict[str, int],
    *,
    has_label: bool,
    max_length: int,
    batch_size: int | None,
    tokens_per_batch: int | None,
    bucket_boundaries: Sequence[int] | None,
    drop_remainder: bool,
) -> tf.data.Dataset:
    """Rows (a dict of [length] features, or (features, label)) batched by length bucket, padded
    with `padding_values`: `batch_size` rows per batch, or about `tokens_per_batch` tokens."""
    boundaries = list(bucket_boundaries) if bucket_boundaries is not None else default_bucket_boundaries(max_length)
    if boundaries != sorted(set(boundaries)) or (boundaries and boundaries[0] < 1):
        raise ValueError(
            f"bucket_boundaries must be increasing positive ints. Received: bucket_boundaries={boundaries}"
        )
    if tokens_per_batch is not None:
        uppers = boundaries + [max_length]
        sizes = [max(1, tokens_per_batch // upper) for upper in uppers]
    else:
        sizes = [batch_size] * (len(boundaries) + 1)
    return dataset.bucket_by_sequence_length(
        element_length_func=lambda x, *_: tf.shape(x["input_ids"])[0],
        # bucket_by_sequence_length puts length L in the bucket whose boundary is > L.
        bucket_boundaries=[b + 1 for b in boundaries],
        bucket_batch_sizes=sizes,
        padding_values=(padding_values, None) if has_label else padding_values,
        drop_remainder=drop_remainder,
    )


def _options_without_autotuning() -> tf.data.Options:
    """`tf.data` options with autotuning off. Keras makes a new iterator each epoch (and each
    `predict`); dropping the previous, autotuned one intermittently blocked the next epoch's
    start for ~1-2 s on 2 CPU cores."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def array_dataset(
    features: dict[str, np.ndarray],
    labels: np.ndarray | None = None,
    *,
    batch_size: int,
    shuffle: bool = False,
) -> tf.data.Dataset:
    """In-memory arrays as batches for Keras `fit` / `predict`, without a stall at each epoch.

    What `fit(x=arrays, batch_size=..., shuffle=...)` feeds the model, batch for batch: the same
    pipeline as Keras' for arrays (its permutation, drawn from TensorFlow's global seed as
    `keras.utils.set_random_seed` sets it; with that seed set, Keras 3.15 on TensorFlow 2.21
    draws the same order at every epoch, and so does this; a static batch size when every
    batch is full), but without `tf.data` autotuning (see `_options_without_autotuning`: the
    stall showed as the first step's time in the progress bar). Batches gathered from arrays
    already in memory need no tuning.
    """
    rows = len(next(iter(features.values())))
    full_rows = rows // batch_size * batch_size
    inputs = (dict(features),) if labels is None else (dict(features), labels)
    inputs = tf.nest.map_structure(tf.convert_to_tensor, inputs)

    def permutation(_):
        indices = tf.range(rows, dtype=tf.int64)
        if shuffle:
            indices = tf.random.shuffle(indices)
        return indices

    def batches(indices):
        batched = tf.data.Dataset.from_tensor_slices(tf.reshape(indices[:full_rows], [-1, batch_size]))
        if rows > full_rows:
            batched = batched.concatenate(tf.data.Dataset.from_tensors(indices[full_rows:]))
        return batched

    def gather(indices, data):
        batch = tf.nest.map_structure(lambda x: tf.gather(x, indices, axis=0), data)
        return batch if len(batch) > 1 else batch[0]

    indices = tf.data.Dataset.range(1).map(permutation).prefetch(1).flat_map(batches)
    dataset = tf.data.Dataset.zip((indices, tf.data.Dataset.from_tensors(inputs).repeat())).map(gather)
    options = _options_without_autotuning()
    options.experimental_optimization.apply_default_optimizations = False
    if shuffle:
        options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    steps = -(-rows // batch_size)
    return dataset.apply(tf.data.experimental.assert_cardinality(steps)).prefetch(1).with_options(options)


def _as_dataset(texts: Any, labels: Any, text_pairs: Any) -> tuple[tf.data.Dataset, bool, bool]:
    """The input as a dataset of `text`, `(text, pair)`, `(text, label)` or `((text, pair), label)`."""
    if isinstance(texts, tf.data.Dataset):
        if labels is not None or text_pairs is not None:
            raise ValueError(
                "With a tf.data.Dataset, put labels and pairs in its elements; labels/text_pairs must be None."
            )
        spec = texts.element_spec
        if isinstance(spec, tf.TensorSpec):
            _check_string(spec, "texts")
            return texts, False, False
        if isinstance(spec, tuple) and len(spec) == 2:
            first, second = spec
            if isinstance(first, tuple):
                for s in first:
                    _check_string(s, "texts")
                return texts, True, True
            if isinstance(second, tf.TensorSpec) and second.dtype == tf.string:
                return texts, True, False
            _check_string(first, "texts")
            return texts, False, True
        raise ValueError(
            f"texts dataset elements must be text, (text, label) or ((text, pair), label). Received: {spec}"
        )
    if isinstance(texts, str) or not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise ValueError("texts must be a list of str or a tf.data.Dataset of strings.")
    parts: Any = tf.constant(list(texts), dtype=tf.string)
    if text_pairs is not None:
        if len(text_pairs) != len(texts):
            raise ValueError(
                f"texts and text_pairs must have the same length. Received: {len(texts)} and {len(text_pairs)}"
            )
        parts = (parts, tf.constant(list(text_pairs), dtype=tf.string))
    if labels is not None:
        if len(labels) != len(texts):
            raise ValueError(f"texts and labels must have the same length. Received: {len(texts)} and {len(labels)}")
        return tf.data.Dataset.from_tensor_slices((parts, np.asarray(labels))), text_pairs is not None, True
    return tf.data.Dataset.from_tensor_slices(parts), text_pairs is not None, False


def _check_string(spec: Any, name: str) -> None:
    if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.string or spec.shape.rank != 0:
        raise ValueError(f"{name} elements must be scalar tf.string. Received: {spec}")
