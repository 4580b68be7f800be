"""`LongformerTaskModel`: what the five task heads share (backbone, inputs, labels, config)."""

from __future__ import annotations

import warnings
from typing import Any, Mapping

import keras
import tensorflow as tf

from tf_longformer.config import LongformerConfig
from tf_longformer.models import inputs as model_inputs
from tf_longformer.models import labels as label_checks
from tf_longformer.models.keras_training import TaskTrainingMixin
from tf_longformer.models.longformer_model import LongformerModel, config_from_argument
from tf_longformer.models.pretrained import LongformerPreTrainedModel


class LongformerTaskModel(TaskTrainingMixin, LongformerPreTrainedModel):
    """A `LongformerModel` named `longformer` plus a task head (built by the subclass).

    Trains with `compile()`/`fit()`, with or without a Keras loss (see `keras_training.py`).

    Args:
        config: the model's `LongformerConfig`.
        max_global_tokens, query_block_size: passed to the backbone (see `LongformerModel`).
    """

    #: Label arguments the head's `call` takes; also accepted as keys of a dict input.
    label_names: tuple[str, ...] = ("labels",)
    #: Whether the backbone builds its pooler (only multiple choice uses it).
    uses_pooler = False

    def __init__(
        self,
        config: LongformerConfig | dict,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.config = config_from_argument(config)
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.longformer = LongformerModel(
            self.config,
            add_pooling_layer=self.uses_pooler,
            max_global_tokens=max_global_tokens,
            query_block_size=query_block_size,
            dtype=self.dtype_policy,
            name="longformer",
        )
        self.supports_jit = self.longformer.supports_jit

    def build(self, input_shape=None):
        self.longformer.build(None)
        self.build_head()
        self.built = True

    def build_head(self) -> None:
        """Builds the head's layers (subclasses)."""

    # -- inputs ------------------------------------------------------------------------------

    def split_inputs(self, input_ids, named: dict[str, Any], labels: dict[str, Any]) -> tuple[dict, dict]:
        """(the six model inputs, the labels), from keywords or one Keras dict (labels may be keys)."""
        if isinstance(input_ids, Mapping):
            input_ids = dict(input_ids)
            for name in self.label_names:
                if name in input_ids:
                    if labels.get(name) is not None:
                        raise ValueError(f"`{name}` given both in the input dict and as a keyword argument; pass it once.")
                    labels[name] = input_ids.pop(name)
        return model_inputs.unpack_inputs(input_ids, **named), labels

    def prepare(self, values: dict[str, Any], automatic_global=None) -> model_inputs.ModelInputs:
        """Validates and fills the inputs; without a global mask, applies `automatic_global(inputs)`.

        `automatic_global` returns a [batch, length] mask, or None when it cannot apply.
        """
        user_global = values["global_attention_mask"] is not None
        values = dict(values)
        inputs = self.longformer.prepare_inputs(values.pop("input_ids"), **values)
        if not user_global and automatic_global is not None:
            mask = automatic_global(inputs)
            if mask is not None:
                inputs = inputs._replace(global_attention_mask=mask)
        return inputs

    def label_rules(self, labels: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """`{label name: keyword arguments of labels.check_labels}` (subclasses; see `checked_labels`)."""
        return {}

    def checked_labels(self, labels: dict[str, Any], sizes: dict[str, Any]) -> dict[str, Any]:
        """The labels given, checked against `label_rules` before any computation (None stays None).

        `sizes` names the axes the rules use, e.g. `{"batch": ..., "length": ...}` of `input_ids`.
        """
        rules = self.label_rules(labels)
        return {
            name: None if value is None else label_checks.check_labels(
                name, value, head=type(self).__name__, sizes=sizes, **rules[name]
            )
            for name, value in labels.items()
        }

    @staticmethod
    def sequence_sizes(inputs: model_inputs.ModelInputs) -> dict[str, Any]:
        """`{"batch", "length"}` of validated inputs (ints eagerly, scalar tensors in a graph)."""
        reference = inputs.input_ids if inputs.input_ids is not None else inputs.inputs_embeds
        shape = tf.shape(reference)
        return {"batch": shape[0], "length": shape[1]}

    # -- the shared forward pass ---------------------------------------------------------------

    #: The head's output class (subclasses using the shared `call`).
    output_class: type = dict

    def automatic_global_attention(self, inputs: model_inputs.ModelInputs):
        """The global mask to use when the caller passes none (None: local attention only)."""
        return None

    def prepared_inputs(self, values: dict[str, Any]) -> tuple[model_inputs.ModelInputs, dict[str, Any]]:
        """(the backbone's validated inputs, the axis sizes the label rules use) from the raw inputs.

        Multiple choice overrides this to flatten its choices.
        """
        inputs = self.prepare(values, self.automatic_global_attention)
        return inputs, self.sequence_sizes(inputs)

    def head_outputs(self, outputs, sizes: dict[str, Any], training) -> dict[str, Any]:
        """The head's predictions (e.g. `{"logits": ...}`) from the backbone's outputs."""
        raise NotImplementedError

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
        return self.forward(
            (input_ids, attention_mask, global_attention_mask, token_type_ids, position_ids, inputs_embeds),
            {"labels": labels},
            output_attentions,
            output_hidden_states,
            training,
        )

    def forward(self, given: tuple, labels: dict[str, Any], output_attentions, output_hidden_states, training):
        """Every head's `call`: validates inputs and labels, runs the backbone and the head, adds the loss.

        Args:
            given: the six model inputs as passed to `call`, in `inputs.INPUT_NAMES` order.
            labels: `{label name: value or None}` for the names in `label_names`.
        """
        input_ids, *named = given
        values, targets = self.split_inputs(input_ids, dict(zip(model_inputs.INPUT_NAMES[1:], named)), labels)
        inputs, sizes = self.prepared_inputs(values)
        targets = self.checked_labels(targets, sizes)
        outputs = self.longformer.encode(inputs, output_attentions, output_hidden_states, training)
        predictions = self.head_outputs(outputs, sizes, training)
        loss = self.loss_from_labels(predictions, targets)
        return self.output_class(loss=loss, **predictions, **self.backbone_extras(outputs))

    @staticmethod
    def warn_no_automatic_global(task: str) -> None:
        warnings.warn(
            f"{task}: the automatic global attention needs `input_ids`; with `inputs_embeds` and no "
            "`global_attention_mask` every token gets local attention only. Pass `global_attention_mask`.",
            stacklevel=4,
        )

    @staticmethod
    def backbone_extras(outputs) -> dict[str, Any]:
        return {name: outputs.get(name) for name in ("hidden_states", "attentions", "global_attentions")}

    # -- serialisation -----------------------------------------------------------------------

    def get_config(self):
        return {
            "config": self.config.to_dict(),
            "max_global_tokens": self.max_global_tokens,
            "query_block_size": self.query_block_size,
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
