"""The task heads' losses, as pure functions matching the reference (PyTorch) exactly.

All losses are computed in float32 and return a 0-d tensor. Like PyTorch's mean-reduced
`CrossEntropyLoss`, a batch whose labels are all ignored gives NaN (0 / 0).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

IGNORE_INDEX = -100

PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")


def _check_class_labels(labels: tf.Tensor, num_classes, ignore_index: int, name: str) -> tf.Tensor:
    """Labels must be class ids in [0, num_classes) or `ignore_index` (PyTorch raises otherwise)."""
    num_classes = tf.cast(num_classes, labels.dtype)
    valid = tf.logical_or(
        tf.equal(labels, ignore_index), tf.logical_and(labels >= 0, labels < num_classes)
    )
    message = f"`{name}` must hold class ids in [0, number of classes) or {ignore_index} (ignored)."
    if tf.executing_eagerly():
        bad = np.argwhere(~valid.numpy())
        if bad.size:
            where = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"{message} Found {labels.numpy()[where]} at {list(where)} with {int(num_classes)} classes."
            )
        return labels
    with tf.control_dependencies([tf.debugging.Assert(tf.reduce_all(valid), [message])]):
        return tf.identity(labels)


def cross_entropy(logits: tf.Tensor, labels: tf.Tensor, ignore_index: int = IGNORE_INDEX, name: str = "labels") -> tf.Tensor:
    """Mean softmax cross entropy over the labels that are not `ignore_index`.

    Args:
        logits: [..., num_classes]; flattened to [N, num_classes] as the reference's `.view`.
        labels: int class ids with N elements in total.
        ignore_index: label value that contributes nothing (the reference's -100).

    Returns:
        0-d float32; NaN when every label is ignored (as PyTorch).
    """
    num_classes = tf.shape(logits)[-1]
    logits = tf.reshape(tf.cast(logits, tf.float32), [-1, num_classes])
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    labels = _check_class_labels(labels, num_classes, ignore_index, name)
    keep = tf.not_equal(labels, ignore_index)
    safe_labels = tf.where(keep, labels, tf.zeros_like(labels))
    per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe_labels, logits=logits)
    weights = tf.cast(keep, tf.float32)
    return tf.reduce_sum(per_example * weights) / tf.reduce_sum(weights)


def question_answering_loss(start_logits, end_logits, start_positions, end_positions) -> tf.Tensor:
    """(start CE + end CE) / 2, positions clamped to [0, length] and `length` ignored (the reference).

    A position past the end is therefore ignored, a negative one counts as position 0.
    """
    length = tf.shape(start_logits)[1]

    def prepare(positions):
        positions = tf.cast(positions, tf.int32)
        if positions.shape.rank is not None and positions.shape.rank > 1:
            positions = tf.squeeze(positions, axis=-1)
        return tf.clip_by_value(positions, 0, length)

    start = cross_entropy_ignoring(start_logits, prepare(start_positions), length)
    end = cross_entropy_ignoring(end_logits, prepare(end_positions), length)
    return (start + end) / 2


def cross_entropy_ignoring(logits, labels, ignore_index) -> tf.Tensor:
    """Cross entropy with a tensor-valued `ignore_index` (labels already in range)."""
    logits = tf.cast(logits, tf.float32)
    keep = tf.not_equal(labels, ignore_index)
    safe_labels = tf.where(keep, labels, tf.zeros_like(labels))
    per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe_labels, logits=logits)
    weights = tf.cast(keep, tf.float32)
    return tf.reduce_sum(per_example * weights) / tf.reduce_sum(weights)


def mean_squared_error(predictions, targets) -> tf.Tensor:
    """Mean of squared differences (PyTorch `MSELoss`)."""
    predictions = tf.cast(predictions, tf.float32)
    targets = tf.cast(targets, tf.float32)
    return tf.reduce_mean(tf.square(predictions - targets))


def binary_cross_entropy_with_logits(logits, targets) -> tf.Tensor:
    """Mean sigmoid cross entropy (PyTorch `BCEWithLogitsLoss`), numerically stable form."""
    logits = tf.cast(logits, tf.float32)
    targets = tf.cast(targets, tf.float32)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))


def infer_problem_type(num_labels: int, labels_dtype: tf.DType, problem_type: str | None) -> str:
    """The reference's rule: regression for one label, integer labels -> single-label, else multi-label.

    Unlike the reference, the inferred type is not written back into the config: each call
    decides from its own labels.
    """
    if problem_type is not None:
        return problem_type
    if num_labels == 1:
        return "regression"
    if tf.as_dtype(labels_dtype).is_integer:
        return "single_label_classification"
    return "multi_label_classification"


def sequence_classification_loss(logits, labels, num_labels: int, problem_type: str | None = None) -> tf.Tensor:
    """MSE (regression), cross entropy (single label, -100 ignored) or BCE (multi label)."""
    labels = tf.convert_to_tensor(labels)
    problem_type = infer_problem_type(num_labels, labels.dtype, problem_type)
    if problem_type == "regression":
        if num_labels == 1:  # the reference squeezes every size-1 axis of both
            return mean_squared_error(tf.squeeze(logits), tf.squeeze(labels))
        return mean_squared_error(logits, labels)
    if problem_type == "single_label_classification":
        return cross_entropy(tf.reshape(logits, [-1, num_labels]), tf.reshape(labels, [-1]))
    return binary_cross_entropy_with_logits(logits, labels)
