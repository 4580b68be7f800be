"""Global-attention masks the Longformer model takes as `global_attention_mask` (int32, 1 = global).

The tokenizer's entry points to the rule in `tf_longformer.ops.auto_global`, for NumPy
arrays, nested lists, ragged rows and `tf.Tensor`s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tf_longformer.ops import auto_global

# The rules the tokenizer and the data pipeline offer (multiple choice is the model's own).
_TOKENIZER_KINDS = (auto_global.QUESTION_ANSWERING, auto_global.CLASSIFICATION)


def resolve_kind(global_attention: str) -> str:
    """Maps `"qa"` / `"question_answering"` / `"classification"` to the canonical name."""
    return auto_global.resolve_kind(global_attention, _TOKENIZER_KINDS)


def _is_tf_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "dtype")


def global_attention_mask(input_ids: Any, kind: str, sep_token_id: int | None = None) -> Any:
    """The mask of rule `kind` for a `tf.Tensor` (TF form, checked) or array-like ids (NumPy form)."""
    if _is_tf_tensor(input_ids):
        return auto_global.checked_global_mask(kind, input_ids, sep_token_id)
    return auto_global.numpy_global_mask(kind, _as_2d(input_ids), sep_token_id)


def question_answering_global_attention_mask(input_ids: Any, sep_token_id: int = 2) -> Any:
    """1 on every token before the first `sep_token_id` of each row (`<s>` and the question).

    This is the mask the reference `LongformerForQuestionAnswering` builds when none is given.

    Args:
        input_ids: int ids of shape `(batch, length)`: a NumPy array, nested lists or a `tf.Tensor`.
        sep_token_id: id of `</s>`.

    Returns:
        int32 array of the same shape (a `tf.Tensor` when `input_ids` is one).

    Raises:
        ValueError: a row has no `sep_token_id` (checked whenever the values are known; in a
            graph the same message comes from a runtime assertion).
    """
    return global_attention_mask(input_ids, auto_global.QUESTION_ANSWERING, sep_token_id)


def classification_global_attention_mask(input_ids: Any) -> Any:
    """1 on token 0 (`<s>`) of every row, as the reference sequence classifier does.

    Args:
        input_ids: int ids of shape `(batch, length)`: a NumPy array, nested lists or a `tf.Tensor`.

    Returns:
        int32 array of the same shape (a `tf.Tensor` when `input_ids` is one).
    """
    return global_attention_mask(input_ids, auto_global.CLASSIFICATION)


def rows_global_attention_mask(rows: list[list[int]], kind: str, sep_token_id: int) -> list[list[int]]:
    """The same masks for ragged rows (lists of different lengths)."""
    return auto_global.numpy_rows_global_mask(rows, kind, sep_token_id)


def _as_2d(input_ids: Any) -> np.ndarray:
    ids = np.asarray(input_ids)
    if ids.ndim != 2 or not (ids.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(
            "input_ids must be integer ids of shape (batch, length); pad the batch first. "
            f"Received: input_ids with shape {ids.shape} and dtype {ids.dtype}"
        )
    return ids
