"""Global-attention masks the Longformer model takes as `global_attention_mask` (int32, 1 = global)."""

from __future__ import annotations

from typing import Any

import numpy as np

GLOBAL_ATTENTION_KINDS = ("question_answering", "classification")
_ALIASES = {"qa": "question_answering", "question_answering": "question_answering", "classification": "classification"}


def resolve_kind(global_attention: str) -> str:
    """Maps `"qa"` / `"question_answering"` / `"classification"` to the canonical name."""
    kind = _ALIASES.get(global_attention) if isinstance(global_attention, str) else None
    if kind is None:
        raise ValueError(
            f"global_attention must be one of 'question_answering' (alias 'qa'), 'classification' or None. "
            f"Received: global_attention={global_attention!r}"
        )
    return kind


def _is_tf_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "dtype")


def question_answering_global_attention_mask(input_ids: Any, sep_token_id: int = 2) -> Any:
    """1 on every token before the first `sep_token_id` of each row (`<s>` and the question).

    This is the mask the reference `LongformerForQuestionAnswering` builds when none is given.

    Args:
        input_ids: int ids of shape `(batch, length)`: a NumPy array, nested lists or a `tf.Tensor`.
        sep_token_id: id of `</s>`.

    Returns:
        int32 array of the same shape (a `tf.Tensor` when `input_ids` is one).

    Raises:
        ValueError: a row has no `sep_token_id` (checked whenever the values are known).
    """
    if _is_tf_tensor(input_ids):
        import tensorflow as tf

        is_sep = tf.equal(input_ids, tf.cast(sep_token_id, input_ids.dtype))
        if tf.executing_eagerly():
            _check_has_sep(is_sep.numpy())
        first = tf.argmax(tf.cast(is_sep, tf.int32), axis=-1, output_type=tf.int32)
        positions = tf.range(tf.shape(input_ids)[-1], dtype=tf.int32)
        return tf.cast(positions[None, :] < first[:, None], tf.int32)
    ids = _as_2d(input_ids)
    is_sep = ids == sep_token_id
    _check_has_sep(is_sep)
    first = is_sep.argmax(axis=-1)
    return (np.arange(ids.shape[-1])[None, :] < first[:, None]).astype(np.int32)


def classification_global_attention_mask(input_ids: Any) -> Any:
    """1 on token 0 (`<s>`) of every row, as the reference sequence classifier does.

    Args:
        input_ids: int ids of shape `(batch, length)`: a NumPy array, nested lists or a `tf.Tensor`.

    Returns:
        int32 array of the same shape (a `tf.Tensor` when `input_ids` is one).
    """
    if _is_tf_tensor(input_ids):
        import tensorflow as tf

        positions = tf.range(tf.shape(input_ids)[-1], dtype=tf.int32)
        return tf.broadcast_to(tf.cast(positions == 0, tf.int32)[None, :], tf.shape(input_ids))
    ids = _as_2d(input_ids)
    mask = np.zeros(ids.shape, dtype=np.int32)
    mask[:, :1] = 1
    return mask


def rows_global_attention_mask(rows: list[list[int]], kind: str, sep_token_id: int) -> list[list[int]]:
    """The same masks for ragged rows (lists of different lengths)."""
    if kind == "classification":
        return [[1 if i == 0 else 0 for i in range(len(row))] for row in rows]
    masks = []
    for index, row in enumerate(rows):
        if sep_token_id not in row:
            raise ValueError(_missing_sep_message([index]))
        first = row.index(sep_token_id)
        masks.append([1] * first + [0] * (len(row) - first))
    return masks


def _as_2d(input_ids: Any) -> np.ndarray:
    ids = np.asarray(input_ids)
    if ids.ndim != 2 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(
            "input_ids must be integer ids of shape (batch, length); pad the batch first. "
            f"Received: input_ids with shape {ids.shape} and dtype {ids.dtype}"
        )
    return ids


def _check_has_sep(is_sep: np.ndarray) -> None:
    missing = np.flatnonzero(~is_sep.any(axis=-1))
    if missing.size:
        raise ValueError(_missing_sep_message(missing.tolist()))


def _missing_sep_message(rows: list[int]) -> str:
    return (
        f"input_ids rows {rows[:10]} have no separator token, so the question cannot be found for "
        "question-answering global attention. Encode (question, context) pairs with add_special_tokens=True, "
        "or pass global_attention_mask explicitly."
    )
