"""`LongformerForQuestionAnswering`: extractive QA, start and end logits per token."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models import losses
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.models.task_spec import TaskSpec
from tf_longformer.outputs import LongformerQuestionAnsweringModelOutput


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForQuestionAnswering(LongformerTaskModel):
    """Longformer with the reference's `qa_outputs` dense layer split into start and end logits.

    Without a `global_attention_mask`, every token before the first separator
    (`config.sep_token_id`: `<s>` and the question) gets global attention, as in the
    reference. A row without a separator is an error (`ValueError` eagerly, a
    `tf.debugging` assertion with the same message in a graph).

    Args:
        config: the model's `LongformerConfig` (`num_labels` must be 2).
        max_global_tokens, query_block_size, softmax_dtype: passed to the backbone (see `LongformerModel`).

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), and
        start_positions, end_positions: optional [batch] answer span; positions outside
            [0, length) are clamped to [0, length] and `length` is ignored (the reference's rule).

    Returns:
        `LongformerQuestionAnsweringModelOutput`: `start_logits`, `end_logits` [batch, length],
        `loss` when both positions are given.
    """

    spec = TaskSpec(
        task="question_answering",
        output_class=LongformerQuestionAnsweringModelOutput,
        outputs={"start_logits": ("batch", "length"), "end_logits": ("batch", "length")},
        label_names=("start_positions", "end_positions"),
        automatic_global="question_answering",
    )

    def create_head(self, config):
        if config.num_labels != 2:
            raise ValueError(
                "LongformerForQuestionAnswering needs num_labels=2 (start and end logits). "
                f"Received: num_labels={config.num_labels}"
            )
        self.qa_outputs = self.reference_dense(config.num_labels, "qa_outputs")

    def weight_rows(self):
        return weight_map.question_answering_rows(self)

    def task_loss(self, predictions, labels):
        """(start CE + end CE) / 2 with the reference's clamping of out-of-range positions."""
        return losses.question_answering_loss(
            predictions["start_logits"], predictions["end_logits"], labels["start_positions"], labels["end_positions"]
        )

    def head_outputs(self, outputs, sizes, training):
        start_logits, end_logits = tf.unstack(self.qa_outputs(outputs["last_hidden_state"]), num=2, axis=-1)
        return {"start_logits": start_logits, "end_logits": end_logits}

    def label_rules(self, labels):
        positions = dict(layouts=[("batch",), ("batch", 1)], integer=True)  # any value: clamped, as the reference
        return {"start_positions": positions, "end_positions": positions}
