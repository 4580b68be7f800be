"""Label checks of the task heads, at the model boundary, before any computation.

Each head describes the layouts its labels may take (axis names such as `"batch"`, or sizes)
and whether they are integer class ids. Eagerly a bad label raises `ValueError` naming it;
in a graph, sizes known only at run time are checked with `tf.debugging` assertions carrying
the same message (an `InvalidArgumentError` when the graph runs).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import tensorflow as tf

#: The label value that takes no part in a loss (the reference's -100).
IGNORE_INDEX = -100


def _describe(layout: Sequence[Any]) -> str:
    return "[" + ", ".join(str(axis) for axis in layout) + "]"


def checked_class_ids(labels: tf.Tensor, num_classes: Any, described: str) -> tf.Tensor:
    """`labels` after checking every value is a class id in [0, num_classes) or `IGNORE_INDEX`.

    Eagerly a bad value raises `ValueError` naming it and its index; in a graph the check is
    a `tf.debugging` assertion with the same message. `described` starts the message
    (e.g. "`labels` of LongformerForTokenClassification").
    """
    message = f"{described} must hold class ids in [0, number of classes) or {IGNORE_INDEX} (ignored)."
    limit = tf.cast(num_classes, labels.dtype)
    valid = tf.logical_or(tf.equal(labels, IGNORE_INDEX), tf.logical_and(labels >= 0, labels < limit))
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


def check_labels(
    name: str,
    labels: Any,
    *,
    head: str,
    layouts: Sequence[Sequence[Any]],
    sizes: Mapping[str, Any],
    integer: bool,
    num_classes: Any = None,
) -> tf.Tensor:
    """Returns `labels` as a tensor after checking dtype, shape and (with `num_classes`) values.

    Args:
        name: the call argument (`"labels"`, `"start_positions"`, ...), named in every message.
        head: the model's class name, for the messages.
        layouts: accepted shapes, one per rank, as axis names (keys of `sizes`) or ints.
        sizes: `{axis name: int or scalar tensor}` (e.g. the batch size of `input_ids`).
        integer: labels must be integer class ids (else any real number).
        num_classes: when given (an int, or an axis name of `sizes`), values must be in
            [0, num_classes) or -100 (ignored).
    """
    tensor = tf.convert_to_tensor(labels)
    kind = "integer class ids" if integer else "numbers"
    if not (tensor.dtype.is_integer or (tensor.dtype.is_floating and not integer)):
        raise ValueError(f"`{name}` of {head} must hold {kind}, got dtype {tensor.dtype.name}.")
    described = " or ".join(_describe(layout) for layout in layouts)
    shape_message = f"`{name}` of {head} must have shape {described}"
    rank = tensor.shape.rank
    matching = [layout for layout in layouts if rank is None or len(layout) == rank]
    if not matching:
        raise ValueError(f"{shape_message}, got shape {tensor.shape}.")
    if isinstance(num_classes, str):
        num_classes = sizes[num_classes]
    wanted = [[sizes.get(axis, axis) if isinstance(axis, str) else axis for axis in layout] for layout in matching]
    tensor = _checked_shape(tensor, wanted, shape_message)
    return tensor if num_classes is None else checked_class_ids(tensor, num_classes, f"`{name}` of {head}")


def _checked_shape(tensor: tf.Tensor, wanted: list[list[Any]], shape_message: str) -> tf.Tensor:
    """`tensor` after checking its shape is one of `wanted` (sizes: ints or scalar tensors)."""
    if tf.executing_eagerly():
        want = tuple(int(size) for size in wanted[0])
        if tuple(tensor.shape) != want:
            raise ValueError(f"{shape_message}: {_describe(want)} here, got shape {tuple(tensor.shape)}.")
        return tensor

    # In a graph the rank may be unknown too (Keras relaxes shapes when it retraces).
    longest = max(len(layout) for layout in wanted)
    actual = tf.concat([tf.shape(tensor), tf.zeros([longest], tf.int32)], axis=0)[:longest]
    fits = [
        tf.logical_and(
            tf.equal(tf.rank(tensor), len(layout)),
            tf.reduce_all(tf.equal(actual[: len(layout)], tf.cast(tf.stack(layout), tf.int32))),
        )
        for layout in wanted
    ]
    with tf.control_dependencies([tf.debugging.Assert(tf.reduce_any(tf.stack(fits)), [shape_message + "."])]):
        return tf.identity(tensor)
