"""`LongformerForQuestionAnswering`: extractive QA, start and end logits per token."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models import inputs as model_inputs
from tf_longformer.models import losses
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.ops import auto_global
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
        max_global_tokens, query_block_size: passed to the backbone (see `LongformerModel`).

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), and
        start_positions, end_positions: optional [batch] answer span; positions outside
            [0, length) are clamped to [0, length] and `length` is ignored (the reference's rule).

    Returns:
        `LongformerQuestionAnsweringModelOutput`: `start_logits`, `end_logits` [batch, length],
        `loss` when both positions are given.
    """

    label_names = ("start_positions", "end_positions")
    prediction_names = ("start_logits", "end_logits")
    output_class = LongformerQuestionAnsweringModelOutput

    def __init__(self, config, max_global_tokens=None, query_block_size=None, **kwargs):
        super().__init__(config, max_global_tokens, query_block_size, **kwargs)
        config = self.config
        if config.num_labels != 2:
            raise ValueError(
                "LongformerForQuestionAnswering needs num_labels=2 (start and end logits). "
                f"Received: num_labels={config.num_labels}"
            )
        self.qa_outputs = keras.layers.Dense(
            config.num_labels,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=config.initializer_range),
            dtype=self.dtype_policy,
            name="qa_outputs",
        )

    def build_head(self):
        self.qa_outputs.build((None, None, self.config.hidden_size))

    def weight_rows(self):
        return weight_map.question_answering_rows(self)

    def automatic_global_attention(self, inputs):
        """Global attention on the question: the tokens before the first separator."""
        if inputs.input_ids is None:
            self.warn_no_automatic_global("LongformerForQuestionAnswering")
            return None
        sep = self.config.sep_token_id
        mask = auto_global.question_answering_global_mask(inputs.input_ids, sep)
        return auto_global.checked_separator_mask(mask, inputs.input_ids, sep, "question answering")

    def task_loss(self, predictions, labels):
        """(start CE + end CE) / 2 with the reference's clamping of out-of-range positions."""
        return losses.question_answering_loss(
            predictions["start_logits"], predictions["end_logits"], labels["start_positions"], labels["end_positions"]
        )

    def compute_output_shape(self, input_shape=None) -> dict[str, tuple]:
        """Output shapes from the shape of `input_ids` ([batch, length]) or a dict of input shapes."""
        batch, length = model_inputs.leading_axes(input_shape)
        return {"start_logits": (batch, length), "end_logits": (batch, length)}

    def head_outputs(self, outputs, sizes, training):
        start_logits, end_logits = tf.unstack(self.qa_outputs(outputs["last_hidden_state"]), num=2, axis=-1)
        return {"start_logits": start_logits, "end_logits": end_logits}

    def label_rules(self, labels):
        positions = dict(layouts=[("batch",), ("batch", 1)], integer=True)  # any value: clamped, as the reference
        return {"start_positions": positions, "end_positions": positions}

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        global_attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        inputs_embeds=None,
        start_positions=None,
        end_positions=None,
        output_attentions=False,
        output_hidden_states=False,
        training=None,
    ):
        return self.forward(
            (input_ids, attention_mask, global_attention_mask, token_type_ids, position_ids, inputs_embeds),
            {"start_positions": start_positions, "end_positions": end_positions},
            output_attentions,
            output_hidden_states,
            training,
        )
