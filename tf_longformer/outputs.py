"""Output structures of the models, named as in the reference.

Each is a `dict` (so Keras, `tf.function` and `tf.nest` treat it as a structure and a
functional model can index it by key) with attribute access and the reference's
positional indexing (`out[0]` is the first field that is present). Fields that are None are
left out, as in the reference.
"""

from __future__ import annotations

from typing import Any

from tf_longformer.structures import register_dict_structure


class ModelOutput(dict):
    """Base class: a dict of the present fields, readable as attributes."""

    fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [name for name, value in self.items() if value is None]:
            del self[name]

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        if name in type(self).fields:
            return None
        raise AttributeError(f"{type(self).__name__} has no field {name!r}; fields: {type(self).fields}")

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, slice)):
            return self.to_tuple()[key]
        return super().__getitem__(key)

    def to_tuple(self) -> tuple:
        """The present fields in the reference's order."""
        return tuple(super(ModelOutput, self).__getitem__(name) for name in type(self).fields if name in self)


_COMMON = ("hidden_states", "attentions", "global_attentions")
_COMMON_DOC = """
    hidden_states: tuple of [batch, length, hidden], the embeddings and each layer's output
        (with `output_hidden_states=True`).
    attentions: tuple of [batch, heads, length, g + attention_window + 1] per layer: the
        probabilities of each token over the g global tokens, then over its window from w
        before to w after (with `output_attentions=True`). Rows of global tokens are zero.
    global_attentions: tuple of [batch, heads, padded_length, g] per layer: each global
        token's probabilities over all tokens (with `output_attentions=True`; the length is
        padded to the window multiple, as in the reference; g is 0 when no token is global).
"""


def _output_class(name: str, fields: tuple[str, ...], doc: str) -> type:
    """A `ModelOutput` class with `fields` then the common ones, documented by `doc` then theirs."""
    namespace = {"fields": fields + _COMMON, "__doc__": doc + _COMMON_DOC, "__module__": __name__}
    return register_dict_structure(type(name, (ModelOutput,), namespace))


def _logits_output(name: str, title: str, logits_shape: str) -> type:
    """The output class of a head whose predictions are one `logits` tensor (and a loss with labels)."""
    doc = f"{title} output.\n\n    loss: scalar, when labels are given.\n    logits: [{logits_shape}].\n"
    return _output_class(name, ("loss", "logits"), doc)


LongformerBaseModelOutput = _output_class(
    "LongformerBaseModelOutput",
    ("last_hidden_state",),
    "Encoder output.\n\n    last_hidden_state: [batch, length, hidden].\n",
)
LongformerBaseModelOutputWithPooling = _output_class(
    "LongformerBaseModelOutputWithPooling",
    ("last_hidden_state", "pooler_output"),
    "Base model output.\n\n    last_hidden_state: [batch, length, hidden].\n"
    "    pooler_output: [batch, hidden], tanh(dense(first token)).\n",
)
LongformerMaskedLMOutput = _logits_output("LongformerMaskedLMOutput", "Masked-LM", "batch, length, vocab")
LongformerQuestionAnsweringModelOutput = _output_class(
    "LongformerQuestionAnsweringModelOutput",
    ("loss", "start_logits", "end_logits"),
    "Extractive QA output.\n\n    loss: scalar, when start and end positions are given.\n"
    "    start_logits, end_logits: [batch, length].\n",
)
LongformerSequenceClassifierOutput = _logits_output(
    "LongformerSequenceClassifierOutput", "Sequence classification", "batch, num_labels"
)
LongformerMultipleChoiceModelOutput = _logits_output(
    "LongformerMultipleChoiceModelOutput", "Multiple choice", "batch, num_choices"
)
LongformerTokenClassifierOutput = _logits_output(
    "LongformerTokenClassifierOutput", "Token classification", "batch, length, num_labels"
)

OUTPUT_CLASSES = (
    LongformerBaseModelOutput,
    LongformerBaseModelOutputWithPooling,
    LongformerMaskedLMOutput,
    LongformerQuestionAnsweringModelOutput,
    LongformerSequenceClassifierOutput,
    LongformerMultipleChoiceModelOutput,
    LongformerTokenClassifierOutput,
)
