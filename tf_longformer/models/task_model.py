"""`LongformerTaskModel`: what the task heads share (backbone, inputs, labels, `call`, config).

A head is a subclass that declares its `spec` (a `TaskSpec`) and fills in a few methods:
`create_head` (its layers), `head_outputs` (predictions from the backbone's outputs),
`label_rules` (the label checks), `weight_rows` (its reference weight names) and, when its
loss is not cross entropy on `logits`, `task_loss`. Everything else (the call, label keywords,
automatic global attention, Keras training, output shapes, export) follows from the spec.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, ClassVar, Mapping, Sequence

import keras
import tensorflow as tf

from tf_longformer.config import LongformerConfig
from tf_longformer.layers.layer_config import reference_dense
from tf_longformer.models import dtype_policy
from tf_longformer.models import inputs as model_inputs
from tf_longformer.models import labels as label_checks
from tf_longformer.models.keras_training import TaskTrainingMixin
from tf_longformer.models.longformer_model import LongformerModel
from tf_longformer.models.pretrained import LongformerPreTrainedModel
from tf_longformer.models.text_inputs import TextInputsMixin
from tf_longformer.ops import auto_global
from tf_longformer.tokenization import files as tokenizer_files
from tf_longformer.tokenization.tokenizer import LongformerTokenizer


def automatic_global_mask(rule: str, inputs: model_inputs.ModelInputs, sep_token_id: int, head: str):
    """The global mask of a `TaskSpec.automatic_global` rule, as the reference places it.

    "classification": token 0 (`<s>`); "question_answering": every token before the first
    separator; "multiple_choice": the tokens after (first separator + 1). The separator rules
    need `input_ids` (None, with a warning, without them) and fail on a row without a separator.
    """
    if rule == "classification":
        return auto_global.classification_global_mask(inputs.attention_mask)
    if inputs.input_ids is None:
        warnings.warn(
            f"{head}: the automatic global attention needs `input_ids`; with `inputs_embeds` and no "
            "`global_attention_mask` every token gets local attention only. Pass `global_attention_mask`.",
            stacklevel=5,
        )
        return None
    rules = {
        "question_answering": auto_global.question_answering_global_mask,
        "multiple_choice": auto_global.multiple_choice_global_mask,
    }
    mask = rules[rule](inputs.input_ids, sep_token_id)
    return auto_global.checked_separator_mask(mask, inputs.input_ids, sep_token_id, rule.replace("_", " "))


class LongformerTaskModel(TextInputsMixin, TaskTrainingMixin, LongformerPreTrainedModel):
    """A `LongformerModel` named `longformer` plus a task head (created by the subclass).

    Trains with `compile()`/`fit()`, with or without a Keras loss (see `keras_training.py`);
    with a `preprocessor`, `fit`, `evaluate` and `predict` also take raw text (see
    `text_inputs.py`).

    Args:
        config: the model's `LongformerConfig`.
        max_global_tokens: passed to the backbone (see `LongformerModel`).
        query_block_size: passed to the backbone.
        softmax_dtype: passed to the backbone.
        preprocessor: a preprocessing layer (texts in, this head's inputs out), or None.

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), `output_attentions`,
        `output_hidden_states`, `training`, `shared_layer_graphs` (see `LongformerModel`),
        and the head's labels (`spec.label_names`) as
        keywords or keys of the input dict.
    """

    #: Whether the backbone builds its pooler (only multiple choice uses it).
    uses_pooler = False
    #: The preprocessing layer `from_pretrained` attaches when the checkpoint has a tokenizer.
    preprocessor_class: ClassVar[type | None] = None

    def __init__(
        self,
        config: LongformerConfig | dict,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        softmax_dtype: str | None = None,
        preprocessor: keras.layers.Layer | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.preprocessor = preprocessor
        self.longformer = LongformerModel(
            config,
            add_pooling_layer=self.uses_pooler,
            max_global_tokens=max_global_tokens,
            query_block_size=query_block_size,
            softmax_dtype=softmax_dtype,
            dtype=self.dtype_policy,
            name="longformer",
        )
        self.config = self.longformer.config
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.softmax_dtype = softmax_dtype
        self.supports_jit = self.longformer.supports_jit
        self.create_head(self.config)

    def enable_lora(self, rank: int, target_layer_names: Sequence[str] | None = None) -> None:
        """LoRA fine-tuning of the backbone (`LongformerModel.enable_lora`); the head's own
        layers keep training, as keras-hub's tasks do. Call `compile()` after it."""
        self.longformer.enable_lora(rank, target_layer_names)

    def create_head(self, config: LongformerConfig) -> None:
        """Creates the head's layers (subclasses; `self.dtype_policy` is set)."""

    def head_layer(self, layer_class: type, name: str, **kwargs: Any) -> keras.layers.Layer:
        """A head layer `layer_class(**kwargs)` on the backbone: with the config's `hidden_size` and
        `initializer_range`, and the model's dtype policy."""
        config = self.config
        return layer_class(
            hidden_size=config.hidden_size,
            initializer_range=config.initializer_range,
            dtype=self.dtype_policy,
            name=name,
            **kwargs,
        )

    def reference_dense(self, units: int, name: str) -> keras.layers.Dense:
        """A dense layer initialised as the reference's linear layers (truncated normal, `initializer_range`)."""
        return reference_dense(units, self.config.initializer_range, self.dtype_policy, name)

    def build(self, input_shape=None):
        if self.built:  # e.g. `build()` then `quantize()` on a model `from_pretrained` already built
            return
        self.longformer.build(None)
        hidden_states = (None, None, self.config.hidden_size)
        for layer in self.layers:  # every head layer reads the backbone's hidden states
            if layer is not self.longformer:
                layer.build(hidden_states)
        self.built = True

    # -- inputs and labels -------------------------------------------------------------------

    def split_inputs(self, input_ids, named: dict[str, Any], labels: dict[str, Any]) -> tuple[dict, dict]:
        """(the six model inputs, the labels), from keywords or one Keras dict (labels may be keys)."""
        names = self.spec.label_names
        unknown = sorted(set(labels) - set(names))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {unknown}; its labels are {list(names)}."
            )
        labels = {name: labels.get(name) for name in names}
        if isinstance(input_ids, Mapping):
            input_ids = dict(input_ids)
            for name in names:
                if name in input_ids:
                    if labels[name] is not None:
                        raise ValueError(
                            f"`{name}` given both in the input dict and as a keyword argument; pass it once."
                        )
                    labels[name] = input_ids.pop(name)
        return model_inputs.unpack_inputs(input_ids, **named), labels

    def prepare_inputs(self, values: dict[str, Any]) -> tuple[model_inputs.ModelInputs, dict[str, Any]]:
        """(the backbone's validated inputs, the axis sizes the label rules use) from the raw inputs.

        Without a global mask, the spec's automatic global attention applies. Multiple
        choice overrides this to flatten its choices.
        """
        inputs = self.longformer.prepare_inputs(values)
        rule = self.spec.automatic_global
        if values["global_attention_mask"] is None and rule is not None:
            mask = automatic_global_mask(rule, inputs, self.config.sep_token_id, type(self).__name__)
            if mask is not None:
                inputs = inputs._replace(global_attention_mask=mask)
        reference = inputs.input_ids if inputs.input_ids is not None else inputs.inputs_embeds
        shape = tf.shape(reference)
        return inputs, {"batch": shape[0], "length": shape[1]}

    def label_rules(self, labels: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """`{label name: keyword arguments of labels.check_labels}` (subclasses; see `checked_labels`)."""
        return {}

    def checked_labels(self, labels: dict[str, Any], sizes: dict[str, Any]) -> dict[str, Any]:
        """The labels given, checked against `label_rules` before any computation (None stays None).

        `sizes` names the axes the rules use, e.g. `{"batch": ..., "length": ...}` of `input_ids`.
        """
        rules = self.label_rules(labels)
        return {
            name: None
            if value is None
            else label_checks.check_labels(name, value, head=type(self).__name__, sizes=sizes, **rules[name])
            for name, value in labels.items()
        }

    # -- the forward pass ----------------------------------------------------------------------

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
        *,
        output_attentions=False,
        output_hidden_states=False,
        training=None,
        shared_layer_graphs=False,
        **labels,
    ):
        named = dict(
            attention_mask=attention_mask,
            global_attention_mask=global_attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
        )
        values, targets = self.split_inputs(input_ids, named, labels)
        inputs, sizes = self.prepare_inputs(values)
        targets = self.checked_labels(targets, sizes)
        outputs = self.longformer.encode(inputs, output_attentions, output_hidden_states, training, shared_layer_graphs)
        predictions = self.head_outputs(outputs, sizes, training)
        loss = self.loss_from_labels(predictions, targets)
        extras = {name: outputs.get(name) for name in ("hidden_states", "attentions", "global_attentions")}
        return self.spec.output_class(loss=loss, **predictions, **extras)

    # -- serialisation -----------------------------------------------------------------------

    def get_config(self):
        return {
            "config": self.config.to_dict(),
            "max_global_tokens": self.max_global_tokens,
            "query_block_size": self.query_block_size,
            "softmax_dtype": self.softmax_dtype,
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor) if self.preprocessor else None,
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policy.serialize(self),
        }

    @classmethod
    def from_config(cls, config):
        config = dtype_policy.deserialize(config)
        if config.get("preprocessor") is not None:
            config["preprocessor"] = keras.saving.deserialize_keras_object(config["preprocessor"])
        return cls(**config)

    @classmethod
    def default_preprocessor(cls, directory: str, config: LongformerConfig) -> keras.layers.Layer | None:
        """`preprocessor_class` with the tokenizer saved in checkpoint `directory`, or None (no
        such class for this head, not a local directory, or no tokenizer files there)."""
        has_tokenizer = os.path.isdir(directory) and any(
            os.path.isfile(os.path.join(directory, name))
            for name in (tokenizer_files.TOKENIZER_FILE, tokenizer_files.VOCAB_FILE)
        )
        if cls.preprocessor_class is None or not has_tokenizer:
            return None
        tokenizer = LongformerTokenizer.from_pretrained(directory)
        return cls.preprocessor_class(tokenizer, sequence_length=config.max_sequence_length)
