"""`LongformerForMultipleChoice`: scores each of several (context, choice) sequences."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.ops import auto_global
from tf_longformer.outputs import LongformerMultipleChoiceModelOutput


def _flatten_choices(name: str, value, rank: int):
    """[batch, choices, ...] -> [batch * choices, ...] (None stays None)."""
    if value is None:
        return None
    tensor = tf.convert_to_tensor(value)
    if tensor.shape.rank is not None and tensor.shape.rank != rank:
        axes = "[batch, num_choices, length" + (", hidden]" if rank == 4 else "]")
        raise ValueError(f"`{name}` of LongformerForMultipleChoice must have shape {axes}, got {tensor.shape}.")
    shape = tf.shape(tensor)
    return tf.reshape(tensor, tf.concat([[-1], shape[2:]], axis=0))


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForMultipleChoice(LongformerTaskModel):
    """Longformer with the pooler, dropout and a one-unit `classifier` per choice, as the reference.

    Inputs are [batch, num_choices, length]; each choice runs as its own sequence. Without a
    `global_attention_mask`, the tokens after (first separator + 1) get global attention, as
    in the reference (for `<s> q </s></s> a </s>`: the answer and its final `</s>`).

    Args:
        config: the model's `LongformerConfig`.
        max_global_tokens, query_block_size: passed to the backbone (see `LongformerModel`).

    Call arguments:
        The inputs of `LongformerModel` with a `num_choices` axis (keywords or one dict), and
        labels: optional [batch] index of the right choice (-100 ignored).

    Returns:
        `LongformerMultipleChoiceModelOutput`: `logits` [batch, num_choices], `loss` with labels.
        Hidden states and attentions are those of the flattened [batch * num_choices] batch.
    """

    uses_pooler = True

    def __init__(self, config, max_global_tokens=None, query_block_size=None, **kwargs):
        super().__init__(config, max_global_tokens, query_block_size, **kwargs)
        config = self.config
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=self.dtype_policy)
        self.classifier = keras.layers.Dense(
            1,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=config.initializer_range),
            dtype=self.dtype_policy,
            name="classifier",
        )

    def build_head(self):
        self.classifier.build((None, self.config.hidden_size))

    def weight_rows(self):
        return weight_map.multiple_choice_rows(self)

    def automatic_global_attention(self, inputs):
        """Global attention on the tokens after (first separator + 1)."""
        if inputs.input_ids is None:
            self.warn_no_automatic_global("LongformerForMultipleChoice")
            return None
        sep = self.config.sep_token_id
        mask = auto_global.multiple_choice_global_mask(inputs.input_ids, sep)
        return auto_global.checked_separator_mask(mask, inputs.input_ids, sep, "multiple choice")

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        global_attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        inputs_embeds=None,
        labels=None,
        output_attentions=False,
        output_hidden_states=False,
        training=None,
    ):
        values, targets = self.split_inputs(
            input_ids,
            dict(attention_mask=attention_mask, global_attention_mask=global_attention_mask,
                 token_type_ids=token_type_ids, position_ids=position_ids, inputs_embeds=inputs_embeds),
            {"labels": labels},
        )
        reference = values["input_ids"] if values["input_ids"] is not None else values["inputs_embeds"]
        if reference is None:
            raise ValueError("Pass `input_ids` ([batch, num_choices, length]) or `inputs_embeds`.")
        num_choices = tf.shape(tf.convert_to_tensor(reference))[1]
        flat = {
            name: _flatten_choices(name, value, 4 if name == "inputs_embeds" else 3) for name, value in values.items()
        }
        inputs = self.prepare(flat, self.automatic_global_attention)
        outputs = self.longformer.encode(inputs, output_attentions, output_hidden_states, training)
        pooled = self.dropout(outputs["pooler_output"], training=training)
        logits = tf.reshape(self.classifier(pooled), [-1, num_choices])
        loss = self.loss_from_labels({"logits": logits}, targets)
        return LongformerMultipleChoiceModelOutput(loss=loss, logits=logits, **self.backbone_extras(outputs))
