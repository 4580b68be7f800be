"""`LongformerForMultipleChoice`: scores each of several (context, choice) sequences."""

from __future__ import annotations

import keras
import tensorflow as tf

from tf_longformer.checkpoints import weight_map
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.outputs import LongformerMultipleChoiceModelOutput
from tf_longformer.task_spec import TaskSpec


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


def _checked_leading_axes(values: dict, reference_name: str):
    """[batch, num_choices] of the reference input, checked equal in every other input.

    Flattened inputs of equal size can still disagree here ([3, 2, L] against [2, 3, L]).
    """
    shape = tf.shape(tf.convert_to_tensor(values[reference_name]))[:2]
    message = "`{name}` must have the same [batch, num_choices] as `" + reference_name + "`."
    checks = []
    for name, value in values.items():
        if value is None or name == reference_name:
            continue
        other = tf.shape(tf.convert_to_tensor(value))[:2]
        if tf.executing_eagerly():
            if not bool(tf.reduce_all(tf.equal(other, shape))):
                raise ValueError(
                    message.format(name=name) + f" Got {other.numpy().tolist()}, expected {shape.numpy().tolist()}."
                )
        else:
            checks.append(tf.debugging.assert_equal(other, shape, message=message.format(name=name)))
    if tf.executing_eagerly():
        return [int(size) for size in shape]
    with tf.control_dependencies(checks):
        shape = tf.identity(shape)
    return [shape[0], shape[1]]


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForMultipleChoice(LongformerTaskModel):
    """Longformer with the pooler, dropout and a one-unit `classifier` per choice, as the reference.

    Inputs are [batch, num_choices, length]; each choice runs as its own sequence. Without a
    `global_attention_mask`, the tokens after (first separator + 1) get global attention, as
    in the reference (for `<s> q </s></s> a </s>`: the answer and its final `</s>`).

    Args:
        config: the model's `LongformerConfig`.
        max_global_tokens: passed to the backbone (see `LongformerModel`).
        query_block_size: passed to the backbone.
        softmax_dtype: passed to the backbone.

    Call arguments:
        The inputs of `LongformerModel` with a `num_choices` axis (keywords or one dict), and
        - `labels`: optional [batch] index of the right choice (-100 ignored).

    Returns:
        `LongformerMultipleChoiceModelOutput`: `logits` [batch, num_choices], `loss` with labels.
        Hidden states and attentions are those of the flattened [batch * num_choices] batch.
    """

    spec = TaskSpec(
        task="multiple_choice",
        output_class=LongformerMultipleChoiceModelOutput,
        outputs={"logits": ("batch", "num_choices")},
        automatic_global="multiple_choice",
        input_axes=("batch", "num_choices", "length"),
        text_inputs=None,  # a question with a list of choices: no one-text form
    )
    uses_pooler = True

    def create_head(self, config):
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=self.dtype_policy)
        self.classifier = self.reference_dense(1, "classifier")

    def weight_rows(self):
        return weight_map.multiple_choice_rows(self)

    def label_rules(self, labels):
        return {"labels": dict(layouts=[("batch",)], integer=True, num_classes="num_choices")}

    def prepare_inputs(self, values):
        """Flattens [batch, num_choices, ...] inputs into a [batch * num_choices, ...] batch."""
        reference = values["input_ids"] if values["input_ids"] is not None else values["inputs_embeds"]
        if reference is None:
            raise ValueError("Pass `input_ids` ([batch, num_choices, length]) or `inputs_embeds`.")
        flat = {
            name: _flatten_choices(name, value, 4 if name == "inputs_embeds" else 3) for name, value in values.items()
        }
        inputs, _ = super().prepare_inputs(flat)
        # After validation: the reference has the right rank and every flattened input its shape.
        batch, num_choices = _checked_leading_axes(
            values, "input_ids" if values["input_ids"] is not None else "inputs_embeds"
        )
        return inputs, {"batch": batch, "num_choices": num_choices}

    def head_outputs(self, outputs, sizes, training):
        pooled = self.dropout(outputs["pooler_output"], training=training)
        return {"logits": tf.reshape(self.classifier(pooled), [-1, sizes["num_choices"]])}
