"""Automatic global-attention masks of the task heads, as branch-free TF code.

The reference heads fill `global_attention_mask` when the caller passes none:
question answering on every token before the first separator (`<s>` and the question),
multiple choice on every token after the token that follows the first separator (the
answer side, the final `</s>` included), sequence classification on token 0. These
functions compute the same masks in-graph: no Python branch on tensor values, so they
trace under `tf.function` with unknown shapes and compile under XLA.

The reference asserts that every row holds exactly three separators and then uses only the
first one (reading garbage when the count per row differs but the batch total is right).
Here the rule is the one the masks rely on: every row needs at least one separator.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

MISSING_SEPARATOR_MESSAGE = (
    "Automatic global attention for {task} puts global attention relative to the first separator token "
    "(sep_token_id={sep_token_id}), but some rows of `input_ids` contain none. Encode (question, context) "
    "pairs with the tokenizer's special tokens, or pass `global_attention_mask` explicitly."
)


def has_separator(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch] bool: whether each row holds `sep_token_id`."""
    return tf.reduce_any(tf.equal(input_ids, tf.cast(sep_token_id, input_ids.dtype)), axis=-1)


def first_separator_index(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch] int32: position of the first `sep_token_id` of each row (0 for a row without one)."""
    is_sep = tf.cast(tf.equal(input_ids, tf.cast(sep_token_id, input_ids.dtype)), tf.int32)
    return tf.argmax(is_sep, axis=-1, output_type=tf.int32)


def _positions(input_ids: tf.Tensor) -> tf.Tensor:
    return tf.range(tf.shape(input_ids)[-1], dtype=tf.int32)[tf.newaxis, :]


def question_answering_global_mask(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch, length] int32: 1 on the tokens before the first separator of each row."""
    first = first_separator_index(input_ids, sep_token_id)
    return tf.cast(_positions(input_ids) < first[:, tf.newaxis], tf.int32)


def multiple_choice_global_mask(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch, length] int32: 1 on the tokens after (first separator + 1), as the reference.

    For `<s> q </s></s> a </s>` that is the answer and the final `</s>`.
    """
    first = first_separator_index(input_ids, sep_token_id)
    return tf.cast(_positions(input_ids) > first[:, tf.newaxis] + 1, tf.int32)


def classification_global_mask(input_ids: tf.Tensor) -> tf.Tensor:
    """[batch, length] int32: 1 on token 0 of each row (`<s>`)."""
    positions = tf.cast(tf.equal(_positions(input_ids), 0), tf.int32)
    return tf.broadcast_to(positions, tf.shape(input_ids)[:2])


def checked_separator_mask(mask: tf.Tensor, input_ids: tf.Tensor, sep_token_id: int, task: str) -> tf.Tensor:
    """Returns `mask`, after checking that every row of `input_ids` has a separator.

    Eagerly a missing separator raises `ValueError`; in a graph the same message comes from a
    `tf.debugging.Assert` (an `InvalidArgumentError` when the graph runs; XLA drops it).
    """
    message = MISSING_SEPARATOR_MESSAGE.format(task=task, sep_token_id=sep_token_id)
    present = has_separator(input_ids, sep_token_id)
    if tf.executing_eagerly():
        missing = np.flatnonzero(~present.numpy())
        if missing.size:
            raise ValueError(f"{message} Rows without a separator: {missing[:10].tolist()}.")
        return mask
    rows = tf.reshape(tf.where(tf.logical_not(present)), [-1])
    assertion = tf.debugging.Assert(tf.reduce_all(present), [message, "Rows without a separator:", rows])
    with tf.control_dependencies([assertion]):
        return tf.identity(mask)
