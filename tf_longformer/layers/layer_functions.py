"""One traced function per distinct transformer-layer configuration, shared by the layers.

Tracing the stack layer by layer would create the same ops in Python for every layer, and
build the same gradient graph once per layer. Here the encoder calls, for each layer, a
`tf.function` that takes the layer's weights *as arguments* (in a `keras.StatelessScope`),
so every layer with the same configuration (and the same `training` /
`return_attention_probs`) runs one trace, and its gradient function is built once.

The numbers are those of calling the layers directly: the same ops on the same values.
Dropout draws from each layer's own seed generator: its state goes in as an argument and
the advanced state comes back and is assigned to that layer's variable.
"""

from __future__ import annotations

import json
from typing import Any

import keras
import tensorflow as tf

import tf_longformer._compat as _compat


class FunctionCache:
    """{configuration key: traced function}; a plain object, so that neither Keras' nor
    TensorFlow's tracking sees (or tries to save) the functions."""

    def __init__(self):
        self._functions: dict[Any, Any] = {}

    def get(self, key, make):
        if key not in self._functions:
            self._functions[key] = make()
        return self._functions[key]


def configuration_key(layer: keras.layers.Layer) -> str:
    """What makes two layers run the same graph: their class and config, name aside, and the
    state of their sub-layers that Keras changes after construction (a quantized `Dense` or one
    with LoRA has other variables and another dtype policy than its neighbours)."""
    config = layer.get_config()
    config.pop("name", None)
    # In their (deterministic) order; layer names differ between layers, so they are left out.
    sublayers = [(type(sub).__qualname__, sub.dtype_policy.name) for sub in _compat.flatten_layers(layer)]
    variables = [
        (variable.name, tuple(variable.shape), variable.dtype, variable.trainable) for variable in layer.variables
    ]
    state = json.dumps([config, sublayers, variables], sort_keys=True, default=repr)
    return f"{type(layer).__module__}.{type(layer).__qualname__}:{state}"


def layer_function(template: keras.layers.Layer, *, training: bool, return_attention_probs: bool, inline: bool):
    """`f(trained, frozen, hidden_states, attention_mask, layout) -> (outputs, {index: new value})`.

    `trained` and `frozen` are the values of the layer's variables (`layer.variables`, in
    order) that do and do not train (`variable.trainable`: LoRA freezes a kernel inside a
    trainable layer, `enable_lora` on a backbone the other way round); they stand in for the
    variables of `template`, any built layer of the configuration (`keras.StatelessScope`), so
    the function serves every layer with that configuration. The dict has the new values of the
    variables the call assigned (the dropout seed states in training), by index in `layer.variables`.
    `inline`: False keeps each call a call in the caller's graph, so TensorFlow optimises
    the function once for all its callers (when the encoder does so: `LongformerEncoder`).
    """
    attributes = None if inline else _compat.noinline_attributes()
    return tf.function(
        _LayerCall(template, training, return_attention_probs),
        reduce_retracing=True,
        autograph=False,
        experimental_attributes=attributes,
    )


def _split_by_training(variables: list) -> tuple[list[int], list[int]]:
    """Indices of the variables that train, and of the others."""
    trained = [index for index, variable in enumerate(variables) if variable.trainable]
    return trained, [index for index in range(len(variables)) if not variables[index].trainable]


class _LayerCall:
    """The traced body. A callable object rather than a closure: TensorFlow's "frequent
    retracing" warning keys on a function's code, which every model's closures share."""

    __name__ = "longformer_layer"  # the traced functions' name in graphs

    def __init__(self, template, training, return_attention_probs):
        self.template, self.training, self.return_attention_probs = template, training, return_attention_probs

    def __call__(self, trained, frozen, hidden_states, attention_mask, layout):
        variables = self.template.variables
        trained_indices, frozen_indices = _split_by_training(variables)
        values = dict(zip(trained_indices, trained))
        values.update(zip(frozen_indices, frozen))
        with keras.StatelessScope(
            state_mapping=[(variables[index], value) for index, value in values.items()]
        ) as scope:
            outputs = self.template.call(
                hidden_states,
                attention_mask,
                training=self.training,
                return_attention_probs=self.return_attention_probs,
                attention_layout=layout,
            )
        current = {index: scope.get_current_value(variables[index]) for index in values}
        return outputs, {index: value for index, value in current.items() if value is not values[index]}


def call(
    function,
    layer: keras.layers.Layer,
    hidden_states,
    attention_mask,
    layout,
    *,
    training: bool,
    recompute=None,
):
    """`layer(hidden_states, attention_mask, ...)` through the shared `function`.

    `recompute`: gradient checkpointing: keep only the layer's input, and recompute its
    activations for the gradients with this function (`function`'s graph, which may be
    inlined where `function` is a call); the recomputation gets the same seed state, so it
    draws the same dropout masks.
    """
    variables = layer.variables
    trained_indices, frozen_indices = _split_by_training(variables)
    # Values, not variables: `recompute_grad` would take variables for captured ones.
    trained = [tf.convert_to_tensor(variables[index]) for index in trained_indices]
    frozen = [tf.convert_to_tensor(variables[index]) for index in frozen_indices]
    if recompute is not None:
        updates, passes = {}, []

        def forward(hidden, *weights):
            # `recompute_grad` calls this for the forward pass, then again for each recomputation.
            traced = recompute if passes else function
            passes.append(traced)
            outputs, assigned = traced(list(weights), frozen, hidden, attention_mask, layout)
            updates.update(assigned)  # the forward pass's; a recomputation draws the same values
            return outputs

        outputs = tf.recompute_grad(forward)(hidden_states, *trained)
    else:
        outputs, updates = function(trained, frozen, hidden_states, attention_mask, layout)
    for index, value in updates.items():  # dropout advanced the seed generators
        variables[index].assign(value)
    return outputs
