"""`compile()` / `fit()` support shared by the five task heads.

The heads return an output dict (`logits`, or `start_logits`/`end_logits`, plus extras), and
the reference computes their loss from labels passed to the call. Keras trains on
`(inputs, y)` pairs instead. `TaskTrainingMixin` joins the two:

- `model.compile(optimizer)` with no loss: the head's own loss (the reference's, exactly as
  `model(..., labels=y).loss`) is computed from `y`. `y` is the labels tensor, or for QA
  `{"start_positions": s, "end_positions": e}` (or the tuple `(s, e)`).
- `model.compile(optimizer, loss=..., metrics=[...])`: the Keras loss and metrics see the
  head's predictions only, as plain tensors: `logits` (one tensor), or for QA the dict
  `{"start_logits", "end_logits"}` with `y` keyed the same way (the label names above are
  accepted and renamed). So `metrics=["accuracy"]` applies to the logits.
- Labels inside the input dict (`{"input_ids": ..., "labels": ...}`, the reference's way)
  and no `y`: the loss the model returns is trained on.

Variable-length batches do not retrace every step: Keras' train function is a
`tf.function(reduce_retracing=True)`, so after the second distinct length it is traced
once more with an unknown length and reused (`tests/training/test_training.py` counts the traces).
"""

from __future__ import annotations

from typing import Any, Mapping

import tensorflow as tf

import tf_longformer._compat as _compat
from tf_longformer.models import losses
from tf_longformer.models.inputs import ID_INPUTS


def _scale_for_replicas(loss):
    """Per-replica mean -> its share of the global mean (gradients are summed over replicas)."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)


class TaskTrainingMixin:
    """Keras training hooks for a task head (mixed into `LongformerTaskModel`).

    The head's `spec` names its labels (`label_names`) and the outputs Keras losses and
    metrics see (`outputs`, in the same order); heads override `task_loss` when their loss
    is not cross entropy on `logits`.
    """

    # -- the head's own loss -----------------------------------------------------------------

    def task_loss(self, predictions: Mapping[str, Any], labels: Mapping[str, Any]) -> tf.Tensor:
        """The reference's loss for this head (default: cross entropy on `logits`, -100 ignored)."""
        return losses.cross_entropy(predictions["logits"], labels["labels"])

    def loss_from_labels(self, predictions: Mapping[str, Any], labels: Mapping[str, Any]):
        """`task_loss`, or None unless every label is given (what the heads' `call` returns)."""
        if any(labels.get(name) is None for name in self.spec.label_names):
            return None
        return self.task_loss(predictions, labels)

    # -- mapping Keras' (y, y_pred) onto the head --------------------------------------------

    def head_labels(self, y) -> dict[str, Any]:
        """Keras `y` -> `{label name: tensor}`; accepts label or prediction names as keys."""
        names, predictions = self.spec.label_names, tuple(self.spec.outputs)
        if isinstance(y, Mapping):
            renamed = dict(zip(predictions, names))
            labels = {renamed.get(key, key): value for key, value in y.items()}
            if set(labels) != set(names):
                raise ValueError(
                    f"{type(self).__name__} takes labels {list(names)} (or {list(predictions)}); got keys {sorted(y)}."
                )
            return labels
        if isinstance(y, (list, tuple)) and len(names) > 1:
            if len(y) != len(names):
                raise ValueError(f"{type(self).__name__} takes {len(names)} labels {list(names)}; got {len(y)}.")
            return dict(zip(names, y))
        if len(names) != 1:
            raise ValueError(
                f"{type(self).__name__} takes labels as a dict {{{', '.join(repr(n) for n in names)}}}; got one tensor."
            )
        return {names[0]: y}

    def keras_targets(self, y):
        """Keras `y` in the structure of `keras_predictions` (None stays None)."""
        if y is None:
            return None
        labels = self.head_labels(y)
        predictions, names = tuple(self.spec.outputs), self.spec.label_names
        if len(predictions) == 1:
            return labels[names[0]]
        return {pred: labels[label] for pred, label in zip(predictions, names)}

    def keras_predictions(self, y_pred):
        """The output dict -> the tensor(s) Keras losses and metrics see."""
        if not isinstance(y_pred, Mapping):
            return y_pred
        predictions = tuple(self.spec.outputs)
        if len(predictions) == 1:
            return y_pred[predictions[0]]
        return {name: y_pred[name] for name in predictions}

    # -- Keras hooks ---------------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if _compat.compiled_loss(self) is not None:
            return super().compute_loss(
                x, self.keras_targets(y), self.keras_predictions(y_pred), sample_weight, training=training
            )
        if sample_weight is not None:
            raise ValueError(
                "sample_weight needs a Keras loss: pass `loss=` to compile(); the head's own loss is unweighted."
            )
        if y is not None:
            loss = self.task_loss(y_pred, self.head_labels(y))
        elif isinstance(y_pred, Mapping) and y_pred.get("loss") is not None:
            loss = y_pred["loss"]  # labels were given inside the input dict
        else:
            raise ValueError(
                f"No loss to compute: give labels as `y` ({list(self.spec.label_names)}) or pass `loss=` to compile()."
            )
        loss = _scale_for_replicas(tf.cast(loss, "float32"))
        extra = [_scale_for_replicas(tf.cast(value, "float32")) for value in self.losses]
        return loss + tf.add_n(extra) if extra else loss

    def _symbolic_build(self, iterator=None, data_batch=None):
        """Keras hook (private; listed in `tf_longformer._compat`): builds metrics and optimizer before `fit`."""
        # Keras 3.15 under a tf.distribute strategy reduces a sample batch with MEAN before this
        # symbolic build (to create the compiled metrics), which turns integer ids into floats
        # that the model rightly refuses; give the id inputs back their integer dtype.
        if isinstance(data_batch, tuple) and data_batch and isinstance(data_batch[0], Mapping):
            x = {
                name: tf.cast(value, tf.int32) if name in ID_INPUTS and value.dtype.is_floating else value
                for name, value in data_batch[0].items()
            }
            data_batch = (x,) + tuple(data_batch[1:])
        return super()._symbolic_build(iterator=iterator, data_batch=data_batch)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if y is None:
            return self.get_metrics_result()
        return super().compute_metrics(x, self.keras_targets(y), self.keras_predictions(y_pred), sample_weight)
