"""The serving signatures every export target shares: inputs, named outputs, one per head.

Each signature is a `tf.function` over int32 inputs whose batch and length are free
(`[None, None]`; `[None, None, None]` for multiple choice, whose inputs carry a
`num_choices` axis). Outputs are float32 and named after the head's output fields (the
`outputs` of the class's `TaskSpec`):

| model | outputs |
|---|---|
| `LongformerModel` | `last_hidden_state`, `pooler_output` (when it has a pooler) |
| `LongformerForMaskedLM` | `logits` [batch, length, vocab] |
| `LongformerForSequenceClassification` | `logits` [batch, num_labels] |
| `LongformerForTokenClassification` | `logits` [batch, length, num_labels] |
| `LongformerForQuestionAnswering` | `start_logits`, `end_logits` [batch, length] |
| `LongformerForMultipleChoice` | `logits` [batch, num_choices] |

`serving_default` takes `input_ids`, `attention_mask` and `global_attention_mask` and uses
the global mask exactly as given (all zeros means no global token, as in the Keras model).
Heads with automatic global attention (`TaskSpec.automatic_global`: question answering,
sequence classification, multiple choice) also get `serving_auto_global`, without
`global_attention_mask`: the head then puts global attention where the reference does,
inside the graph.

Exports given a tokenizer also get `serving_text`, which takes strings and tokenizes inside
the graph (`tf_longformer.export.text_signature`).
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Callable, Mapping, Sequence

import tensorflow as tf

from tf_longformer.task_spec import TaskSpec

DEFAULT_SIGNATURE = "serving_default"
AUTO_GLOBAL_SIGNATURE = "serving_auto_global"
INPUT_NAMES = ("input_ids", "attention_mask", "global_attention_mask")


class ExportError(ValueError):
    """An export that cannot be done as asked (bad argument, unsupported op, existing target)."""


def head_spec(model: Any) -> TaskSpec:
    """The spec of `model` (its outputs, input rank, automatic global rule); `ExportError` for other models."""
    spec = getattr(model, "task_spec", None)
    if not isinstance(spec, TaskSpec):
        raise ExportError(
            "Export takes a tf_longformer model (LongformerModel or one of the Longformer...For... heads). "
            f"Received: model of type {type(model).__name__}"
        )
    return spec


def default_model_name(model: Any) -> str:
    """`LongformerForQuestionAnswering` -> `longformer_for_question_answering`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", type(model).__name__).lower()


def _input_specs(spec: TaskSpec, names: Sequence[str], sequence_length: int | None) -> list[tf.TensorSpec]:
    shape = [None] * (spec.input_rank - 1) + [sequence_length]
    return [tf.TensorSpec(shape, tf.int32, name=name) for name in names]


def float32_model(model: Any) -> Any:
    """`model` if it computes in float32; under mixed precision, a float32 copy with its weights.

    TFLite has no bfloat16 kernels and tf2onnx cannot convert bfloat16 graphs, so the LiteRT
    and ONNX exports of a model built under `mixed_bfloat16` or `mixed_float16` convert this
    copy: the same weights (Keras keeps float32 master weights), the float32 computation.
    """
    head_spec(model)
    if not model.built:
        model.build()
    if model.compute_dtype == "float32":
        return model
    copy = type(model).from_config({**model.get_config(), "dtype": "float32"})
    copy.build()
    copy.set_weights(model.get_weights())
    return copy


def as_float32(value: tf.Tensor) -> tf.Tensor:
    """A floating output as float32 (mixed-precision models compute some in float16/bfloat16)."""
    return tf.cast(value, tf.float32) if value.dtype.is_floating and value.dtype != tf.float32 else value


def _named_outputs(model: Any, spec: TaskSpec, inputs: Mapping[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    outputs = model(**inputs, training=False)
    return {name: as_float32(outputs[name]) for name in spec.outputs}


def keras_serve_function(
    model: Any, functions: Mapping[str, tf.types.experimental.ConcreteFunction]
) -> tf.types.experimental.PolymorphicFunction:
    """The `serve` endpoint of `model.export()`: takes what `model(x)` takes, as Keras' does.

    `serve(x)` with `x` a dict of int32 `input_ids` and, optionally, `attention_mask` (default
    all ones) and `global_attention_mask` (omitted: what the model does without one, the
    head's automatic global attention or none); or the same as keywords. Each form calls the
    built-in signature in `functions` (`serving_functions(model)`) that computes it, so it
    adds a call, not another trace of the model.
    """
    spec = head_spec(model)

    def serve(inputs=None, input_ids=None, attention_mask=None, global_attention_mask=None):
        if inputs is None:
            inputs = dict(zip(INPUT_NAMES, (input_ids, attention_mask, global_attention_mask)))
        ids = inputs["input_ids"]
        mask = inputs.get("attention_mask")
        mask = tf.ones_like(ids) if mask is None else mask
        global_mask = inputs.get("global_attention_mask")
        if global_mask is None and spec.automatic_global:
            return functions[AUTO_GLOBAL_SIGNATURE](input_ids=ids, attention_mask=mask)
        global_mask = tf.zeros_like(ids) if global_mask is None else global_mask
        return functions[DEFAULT_SIGNATURE](input_ids=ids, attention_mask=mask, global_attention_mask=global_mask)

    function = tf.function(serve)
    optional = INPUT_NAMES[1:]
    for kept in itertools.product((False, True), repeat=len(optional)):
        names = [INPUT_NAMES[0], *(name for name, keep in zip(optional, kept) if keep)]
        specs = dict(zip(names, _input_specs(spec, names, None)))
        function.get_concrete_function(specs)
        function.get_concrete_function(**specs)
    return function


def serving_functions(
    model: Any,
    signatures: Sequence[str] | Mapping[str, Callable] | None = None,
    *,
    sequence_length: int | None = None,
) -> dict[str, tf.types.experimental.ConcreteFunction]:
    """The concrete serving functions of `model`, by signature name.

    Args:
        model: a tf_longformer model (built or not).
        signatures: None for every built-in signature of the head (`serving_default`, and
            `serving_auto_global` where the head has automatic global attention); a sequence
            of built-in names to keep only those; or a mapping of name to a `tf.function`
            with an `input_signature` (or a concrete function) to export next to the
            built-in ones (a name that is built in replaces it).
        sequence_length: None keeps the length free; an int fixes it (static shapes).

    Raises:
        ExportError: an unknown signature name, or a signature the head does not have.
    """
    spec = head_spec(model)
    if not model.built:
        model.build()

    def serve(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        return _named_outputs(model, spec, inputs)

    builders: dict[str, Callable[[], Any]] = {
        DEFAULT_SIGNATURE: lambda: tf.function(
            lambda input_ids, attention_mask, global_attention_mask: serve(
                dict(input_ids=input_ids, attention_mask=attention_mask, global_attention_mask=global_attention_mask)
            ),
            input_signature=_input_specs(spec, INPUT_NAMES, sequence_length),
        ).get_concrete_function(),
    }
    if spec.automatic_global:
        builders[AUTO_GLOBAL_SIGNATURE] = lambda: tf.function(
            lambda input_ids, attention_mask: serve(dict(input_ids=input_ids, attention_mask=attention_mask)),
            input_signature=_input_specs(spec, INPUT_NAMES[:2], sequence_length),
        ).get_concrete_function()

    custom: Mapping[str, Callable] = {}
    if signatures is None:
        names = list(builders)
    elif isinstance(signatures, Mapping):
        custom = signatures
        names = list(builders)
    else:
        names = list(signatures)
        if isinstance(signatures, str) or not names:
            raise ExportError(
                f"`signatures` must be a non-empty sequence of names or a mapping. Received: signatures={signatures!r}"
            )
        unknown = [name for name in names if name not in builders]
        if unknown:
            raise ExportError(
                f"{type(model).__name__} has no built-in signature {unknown}; it has {sorted(builders)}. "
                "Pass a mapping {name: tf.function} to add your own."
            )
    functions = {name: builders[name]() for name in names if name not in custom}
    for name, function in custom.items():
        if isinstance(function, tf.types.experimental.PolymorphicFunction):
            function = function.get_concrete_function()
        if not isinstance(function, tf.types.experimental.ConcreteFunction):
            raise ExportError(
                f"Signature {name!r} must be a tf.function with an input_signature or a concrete function. "
                f"Received: {type(function).__name__}"
            )
        functions[name] = function
    return functions


def serving_module(model: Any, functions: Mapping[str, Any]) -> tf.Module:
    """A `tf.Module` holding `model`'s variables and the serving functions, ready to save.

    The module tracks the raw `tf.Variable`s rather than the Keras model itself, so saving
    neither retraces the model's sub-layers nor stores Keras metadata a server never reads.
    """
    module = tf.Module()
    module.model_variables = [variable.value for variable in model.variables]
    module.serving_functions = dict(functions)
    return module
