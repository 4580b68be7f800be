"""`LongformerForSequenceClassification`: one label (or value, or label set) per sequence."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.layers.heads import LongformerClassificationHead
from tf_longformer.models import losses, prediction
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.outputs import LongformerSequenceClassifierOutput
from tf_longformer.preprocessing import LongformerTextClassifierPreprocessor
from tf_longformer.task_spec import TaskSpec


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForSequenceClassification(LongformerTaskModel):
    """Longformer with the reference's classification head on the first token.

    Without a `global_attention_mask`, token 0 (`<s>`) gets global attention, as in the
    reference. The loss follows `config.problem_type`, or when that is None the labels:
    `num_labels == 1` -> regression (MSE), integer labels -> cross entropy (-100 ignored),
    float labels -> multi-label BCE with logits.

    Args:
        config: the model's `LongformerConfig` (`num_labels`, `problem_type`).
        max_global_tokens: passed to the backbone (see `LongformerModel`).
        query_block_size: passed to the backbone.
        softmax_dtype: passed to the backbone.
        preprocessor: a `LongformerTextClassifierPreprocessor` (or None), so that `fit`,
            `evaluate`, `predict` take raw text and `export()` serves it too; `from_pretrained`
            attaches one built from the checkpoint's tokenizer files.

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), and
        - `labels`: optional [batch] class ids, [batch] / [batch, num_labels] floats (regression)
          or [batch, num_labels] multi-hot floats (multi-label).

    Returns:
        `LongformerSequenceClassifierOutput`: `logits` [batch, num_labels], `loss` with labels.
    """

    spec = TaskSpec(
        task="sequence_classification",
        output_class=LongformerSequenceClassifierOutput,
        outputs={"logits": ("batch", "num_labels")},
        automatic_global="classification",
        training_data="text_label",
    )
    preprocessor_class = LongformerTextClassifierPreprocessor

    @classmethod
    def format_prediction(cls, outputs, example):
        """The most likely class, its probability and every class's."""
        probabilities = prediction.softmax(outputs["logits"][0])
        best = int(probabilities.argmax())
        return {
            "label": example.label(best),
            "score": prediction.rounded(probabilities[best]),
            "probabilities": {example.label(i): prediction.rounded(p) for i, p in enumerate(probabilities)},
        }

    def create_head(self, config):
        self.classifier = self.head_layer(
            LongformerClassificationHead, "classifier", num_labels=config.num_labels, dropout=config.hidden_dropout_prob
        )

    def weight_rows(self):
        return weight_map.sequence_classification_rows(self)

    def problem_type(self, labels) -> str:
        """`config.problem_type`, or the one the reference infers from `num_labels` and the labels' dtype."""
        dtype = tf.convert_to_tensor(labels).dtype if labels is not None else tf.int32
        return losses.infer_problem_type(self.config.num_labels, dtype, self.config.problem_type)

    def task_loss(self, predictions, labels):
        """MSE, cross entropy or BCE, by `problem_type` (the reference's rule)."""
        return losses.sequence_classification_loss(
            predictions["logits"], labels["labels"], self.config.num_labels, self.problem_type(labels["labels"])
        )

    def label_rules(self, labels):
        """Layouts by problem type (the one `task_loss` uses)."""
        num_labels = self.config.num_labels
        problem_type = self.problem_type(labels.get("labels"))
        per_row = [("batch",), ("batch", 1)]
        if problem_type == "single_label_classification":
            return {"labels": dict(layouts=per_row, integer=True, num_classes=num_labels)}
        if problem_type == "regression" and num_labels == 1:
            return {"labels": dict(layouts=per_row, integer=False)}
        return {"labels": dict(layouts=[("batch", num_labels)], integer=False)}

    def head_outputs(self, outputs, sizes, training):
        return {"logits": self.classifier(outputs["last_hidden_state"], training=training)}
