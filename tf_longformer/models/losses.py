"""The task heads' losses, as pure functions matching the reference (PyTorch) exactly.

All losses are computed in float32 and return a 0-d tensor. Like PyTorch's mean-reduced
`CrossEntropyLoss`, a batch whose labels are all ignored gives NaN (0 / 0).
"""

from __future__ import annotations

import tensorflow as tf

from tf_longformer.models.labels import IGNORE_INDEX, checked_class_ids


def cross_entropy(logits: tf.Tensor, labels: tf.Tensor, name: str = "labels") -> tf.Tensor:
    """Mean softmax cross entropy over the labels that are not `IGNORE_INDEX`.

    Args:
        logits: [..., num_classes]; flattened to [N, num_classes] as the reference's `.view`.
        labels: int class ids with N elements in total; `IGNORE_INDEX` (-100) contributes nothing
            (PyTorch raises on any other value outside [0, num_classes), and so do we).
        name: the labels' argument, for the error message.

    Returns:
        0-d float32; NaN when every label is ignored (as PyTorch).
    """
    num_classes = tf.shape(logits)[-1]
    logits = tf.reshape(tf.cast(logits, tf.float32), [-1, num_classes])
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    labels = checked_class_ids(labels, num_classes, f"`{name}`")
    return cross_entropy_ignoring(logits, labels, IGNORE_INDEX)


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
