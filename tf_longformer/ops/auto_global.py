"""The automatic global-attention rule of the task heads, in TF and in NumPy.

The reference heads fill `global_attention_mask` when the caller passes none:
question answering on every token before the first separator (`<s>` and the question),
multiple choice on every token after the token that follows the first separator (the
answer side, the final `</s>` included), sequence classification on token 0.

`_rule` states each kind once, as comparisons that TF tensors and NumPy arrays both
understand; `global_mask` (branch-free TF: traces with unknown shapes, compiles under XLA)
and `numpy_global_mask` (the tokenizer and other host-side code) only find the first
separator their own way. `tests/ops/test_auto_global.py` checks that the two agree.

The reference asserts that every row holds exactly three separators and then uses only the
first one (reading garbage when the count per row differs but the batch total is right).
Here the rule is the one the masks rely on: every row needs at least one separator, and a
row without one is an error with `MISSING_SEPARATOR_MESSAGE`, whichever form finds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

QUESTION_ANSWERING = "question_answering"
MULTIPLE_CHOICE = "multiple_choice"
CLASSIFICATION = "classification"
KINDS = (QUESTION_ANSWERING, MULTIPLE_CHOICE, CLASSIFICATION)
_ALIASES = {"qa": QUESTION_ANSWERING, **{kind: kind for kind in KINDS}}

MISSING_SEPARATOR_MESSAGE = (
    "Automatic global attention for {task} puts global attention relative to the first separator token "
    "(sep_token_id={sep_token_id}), but some rows of `input_ids` contain none. Encode (question, context) "
    "pairs with the tokenizer's special tokens, or pass `global_attention_mask` explicitly."
)


def resolve_kind(global_attention: Any, kinds: tuple[str, ...] = KINDS) -> str:
    """The canonical name of a rule (`"qa"` is an alias of `"question_answering"`), one of `kinds`."""
    kind = _ALIASES.get(global_attention) if isinstance(global_attention, str) else None
    if kind not in kinds:
        names = ", ".join(repr(name) + (" (alias 'qa')" if name == QUESTION_ANSWERING else "") for name in kinds)
        raise ValueError(
            f"global_attention must be one of {names} or None. Received: global_attention={global_attention!r}"
        )
    return kind


def needs_separator(kind: str) -> bool:
    """Whether the rule places global attention relative to the first separator."""
    return kind != CLASSIFICATION


def _rule(kind: str, positions: Any, first_separator: Any) -> Any:
    """The rule itself: bool [batch, length] (or broadcastable) from positions [1, length] and
    the first separator's position [batch, 1]. Plain comparisons, so TF and NumPy share it."""
    if kind == QUESTION_ANSWERING:
        return positions < first_separator
    if kind == MULTIPLE_CHOICE:  # for `<s> q </s></s> a </s>`: the answer and the final `</s>`
        return positions > first_separator + 1
    return positions == 0


def missing_separator_error(task: str, sep_token_id: int, rows: list[int]) -> ValueError:
    """The one error for rows without a separator (`rows`: their indices, at most ten shown)."""
    message = MISSING_SEPARATOR_MESSAGE.format(task=task, sep_token_id=sep_token_id)
    return ValueError(f"{message} Rows without a separator: {rows[:10]}.")


# -- TF form ---------------------------------------------------------------------------------


def has_separator(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch] bool: whether each row holds `sep_token_id`."""
    return tf.reduce_any(tf.equal(input_ids, tf.cast(sep_token_id, input_ids.dtype)), axis=-1)


def first_separator_index(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch] int32: position of the first `sep_token_id` of each row (0 for a row without one)."""
    is_sep = tf.cast(tf.equal(input_ids, tf.cast(sep_token_id, input_ids.dtype)), tf.int32)
    return tf.argmax(is_sep, axis=-1, output_type=tf.int32)


def global_mask(kind: str, input_ids: tf.Tensor, sep_token_id: int | None = None) -> tf.Tensor:
    """[batch, length] int32 mask of rule `kind` for `input_ids` [batch, length] (unchecked).

    For `CLASSIFICATION` only the shape of `input_ids` is used (any [batch, length] tensor does).
    """
    positions = tf.range(tf.shape(input_ids)[-1], dtype=tf.int32)[tf.newaxis, :]
    first = first_separator_index(input_ids, sep_token_id)[:, tf.newaxis] if needs_separator(kind) else None
    return tf.broadcast_to(tf.cast(_rule(kind, positions, first), tf.int32), tf.shape(input_ids)[:2])


def checked_separator_mask(mask: tf.Tensor, input_ids: tf.Tensor, sep_token_id: int, task: str) -> tf.Tensor:
    """Returns `mask`, after checking that every row of `input_ids` has a separator.

    Eagerly a missing separator raises `ValueError`; in a graph the same message comes from a
    `tf.debugging.Assert` (an `InvalidArgumentError` when the graph runs; XLA drops it).
    """
    present = has_separator(input_ids, sep_token_id)
    if tf.executing_eagerly():
        missing = np.flatnonzero(~present.numpy())
        if missing.size:
            raise missing_separator_error(task, sep_token_id, missing.tolist())
        return mask
    message = MISSING_SEPARATOR_MESSAGE.format(task=task, sep_token_id=sep_token_id)
    rows = tf.reshape(tf.where(tf.logical_not(present)), [-1])
    assertion = tf.debugging.Assert(tf.reduce_all(present), [message, "Rows without a separator:", rows])
    with tf.control_dependencies([assertion]):
        return tf.identity(mask)


def checked_global_mask(kind: str, input_ids: tf.Tensor, sep_token_id: int | None = None) -> tf.Tensor:
    """`global_mask`, with the separator check of `checked_separator_mask` where the rule needs one."""
    mask = global_mask(kind, input_ids, sep_token_id)
    if not needs_separator(kind):
        return mask
    return checked_separator_mask(mask, input_ids, sep_token_id, kind.replace("_", " "))


def question_answering_global_mask(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch, length] int32: 1 on the tokens before the first separator of each row."""
    return global_mask(QUESTION_ANSWERING, input_ids, sep_token_id)


def multiple_choice_global_mask(input_ids: tf.Tensor, sep_token_id: int) -> tf.Tensor:
    """[batch, length] int32: 1 on the tokens after (first separator + 1), as the reference."""
    return global_mask(MULTIPLE_CHOICE, input_ids, sep_token_id)


def classification_global_mask(input_ids: tf.Tensor) -> tf.Tensor:
    """[batch, length] int32: 1 on token 0 of each row (`<s>`)."""
    return global_mask(CLASSIFICATION, input_ids)


# -- NumPy form ------------------------------------------------------------------------------


def numpy_global_mask(kind: str, input_ids: np.ndarray, sep_token_id: int | None = None) -> np.ndarray:
    """[batch, length] int32 mask of rule `kind` for the integer array `input_ids` [batch, length].

    Raises:
        ValueError: the rule needs a separator and a row has none (`missing_separator_error`).
    """
    input_ids = np.asarray(input_ids)
    positions = np.arange(input_ids.shape[-1])[np.newaxis, :]
    first = None
    if needs_separator(kind):
        is_sep = input_ids == sep_token_id
        missing = np.flatnonzero(~is_sep.any(axis=-1))
        if missing.size:
            raise missing_separator_error(kind.replace("_", " "), sep_token_id, missing.tolist())
        first = is_sep.argmax(axis=-1)[:, np.newaxis]
    return np.broadcast_to(_rule(kind, positions, first), input_ids.shape).astype(np.int32)


def numpy_rows_global_mask(rows: list[list[int]], kind: str, sep_token_id: int | None = None) -> list[list[int]]:
    """`numpy_global_mask` for ragged rows (lists of different lengths), as lists."""
    lengths = [len(row) for row in rows]
    # Filler -1 is never a separator, and the rule reads no position after the first one.
    padded = np.full((len(rows), max(lengths, default=0)), -1, dtype=np.int64)
    for index, row in enumerate(rows):
        padded[index, : lengths[index]] = row
    mask = numpy_global_mask(kind, padded, sep_token_id)
    return [mask[index, :length].tolist() for index, length in enumerate(lengths)]
