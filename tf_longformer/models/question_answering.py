"""`LongformerForQuestionAnswering`: extractive QA, start and end logits per token."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models import losses, prediction
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.ops.answer_span import best_answer_over_windows
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
        """The best span over the context's windows (`ops.answer_span`, as `serving_text` picks it):
        the context's text, character offsets into the whole context, and how many windows were read."""
        encoding = example.encoding
        answer = best_answer_over_windows(
            outputs["start_logits"],
            outputs["end_logits"],
            encoding["context_mask"],
            encoding["overflow_to_sample_mapping"],
        )
        window, start, end = int(answer.window[0]), int(answer.start[0]), int(answer.end[0])
        offsets = encoding["offset_mapping"][window]
        first, last = int(offsets[start][0]), int(offsets[end][1])
        return {
            "answer": example.texts["context"][first:last],
            "start": first,
            "end": last,
            "score": prediction.rounded(answer.score[0]),
            "windows": len(encoding["input_ids"]),
        }

    def text_signature_outputs(self, outputs, encoded, texts):
        """Per question: `answer` (the context's text of the best span over its windows),
        `answer_start`, `answer_end` (character offsets into the whole context), `answer_score`,
        `windows` (how many were read), and the ids, offsets and logits of the answer's window."""
        windows = encoded["overflow_to_sample_mapping"]
        answer = best_answer_over_windows(
            outputs["start_logits"], outputs["end_logits"], encoded["context_mask"], windows
        )
        offsets = tf.gather(encoded["offsets"], answer.window)
        answer_start = tf.gather(offsets[..., 0], answer.start[:, tf.newaxis], batch_dims=1)[:, 0]
        answer_end = tf.gather(offsets[..., 1], answer.end[:, tf.newaxis], batch_dims=1)[:, 0]
        answer_text = tf.strings.substr(texts["context"], answer_start, answer_end - answer_start, unit="UTF8_CHAR")
        return {
            "start_logits": tf.gather(outputs["start_logits"], answer.window),
            "end_logits": tf.gather(outputs["end_logits"], answer.window),
            "input_ids": tf.gather(encoded["input_ids"], answer.window),
            "offsets": offsets,
            "answer": answer_text,
            "answer_start": answer_start,
            "answer_end": answer_end,
            "answer_score": answer.score,
            "windows": tf.math.bincount(windows, dtype=tf.int32),
        }

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
