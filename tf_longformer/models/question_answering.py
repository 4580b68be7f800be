"""`LongformerForQuestionAnswering`: extractive QA, start and end logits per token."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models import losses, prediction
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.ops.answer_span import best_answer_span
from tf_longformer.outputs import LongformerQuestionAnsweringModelOutput
from tf_longformer.task_spec import TaskSpec


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForQuestionAnswering(LongformerTaskModel):
    """Longformer with the reference's `qa_outputs` dense layer split into start and end logits.

    Without a `global_attention_mask`, every token before the first separator
    (`config.sep_token_id`: `<s>` and the question) gets global attention, as in the
    reference. A row without a separator is an error (`ValueError` eagerly, a
    `tf.debugging` assertion with the same message in a graph).

    Args:
        config: the model's `LongformerConfig` (`num_labels` must be 2).
        max_global_tokens: passed to the backbone (see `LongformerModel`).
        query_block_size: passed to the backbone.
        softmax_dtype: passed to the backbone.

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), and
        - `start_positions`, `end_positions`: optional [batch] answer span; positions outside
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
        text_inputs=("question", "context"),
        training_data="question_answer",
    )

    @classmethod
    def format_prediction(cls, outputs, example):
        """The best span (`ops.answer_span`, as `serving_text` picks it): the context's text and character offsets."""
        encoding = example.encoding
        context_mask = np.array([[sequence == 1 for sequence in encoding.sequence_ids(0)]])
        span = best_answer_span(outputs["start_logits"][:1], outputs["end_logits"][:1], context_mask)
        offsets = encoding["offset_mapping"]
        first, last = offsets[int(span.start[0])][0], offsets[int(span.end[0])][1]
        answer = example.texts["context"][first:last]
        return {"answer": answer, "start": int(first), "end": int(last), "score": prediction.rounded(span.score[0])}

    def text_signature_outputs(self, outputs, encoded, texts):
        """`answer` (the context's text of the best span), `answer_start`, `answer_end` (character offsets)."""
        span = best_answer_span(outputs["start_logits"], outputs["end_logits"], encoded["context_mask"])
        starts, ends = encoded["offsets"][..., 0], encoded["offsets"][..., 1]
        answer_start = tf.gather(starts, span.start[:, tf.newaxis], batch_dims=1)[:, 0]
        answer_end = tf.gather(ends, span.end[:, tf.newaxis], batch_dims=1)[:, 0]
        answer = tf.strings.substr(texts["context"], answer_start, answer_end - answer_start, unit="UTF8_CHAR")
        return {"answer": answer, "answer_start": answer_start, "answer_end": answer_end}

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
