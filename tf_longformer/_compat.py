"""The private Keras, TensorFlow and tf2onnx hooks the package relies on, in one place.

Everything here reaches past a public API: a `keras.src` module, a private attribute or
method of a Keras object, or a private function of tf2onnx. Each hook is one small function,
so the rest of the package never spells a private name and a new Keras or TF release is
checked against this file alone.

Checked on: Keras 3.15.1, TensorFlow 2.21.0, tf2onnx 1.17.0.

Accessors (here):
    register_tree_node_class: `keras.src.tree.tree_api.register_tree_node_class`.
    uninitialized_variables, set_uninitialized_variables: Keras' global
        "uninitialized_variables" list (`keras.src.backend.common.global_state`).
    in_stateless_scope: `keras.src.backend.common.stateless_scope.in_stateless_scope`.
    has_no_value, defers_initializer, set_initial_value, deferred_initialize: a
        `keras.Variable`'s `_value`, `_initializer` and `_deferred_initialize()`.
    flatten_layers: `keras.layers.Layer._flatten_layers()`.
    compiled_loss: `keras.Model._compile_loss` (the loss given to `compile()`, or None).
    adam_slots: a Keras `Adam`'s first and second moment of one variable
        (`_get_variable_index`, `_momentums`, `_velocities`).
    onnx_optimizers, onnx_convert_common: `tf2onnx.optimizer._get_optimizers()` and
        `tf2onnx.convert._convert_common`.
    onednn_enabled: `tensorflow.python.util._pywrap_util_port.IsMklEnabled()`.
    in_xla_compilation: `tensorflow.python.ops.control_flow_util.GraphOrParentsInXlaContext`.
    onednn_runs_softmax: the two above, asked where a softmax is traced.
    noinline_attributes: the `_noinline` function attribute (TF's grappler and converters
        keep a call to such a `tf.function` a call).

Overrides of private Keras/TF methods, kept on our classes under their private names (Keras
or TF calls them by that name):
    `LongformerEncoder._trackable_children` (layers/encoder.py) and
    `LongformerPreTrainedModel._trackable_children` (models/pretrained.py): TF's
        `tf.train.Checkpoint` / SavedModel tracking.
    `LongformerPreTrainedModel._default_save_signature` (models/pretrained.py): the
        signature `tf.saved_model.save` records for `model.export` / saving.
    `TaskTrainingMixin._symbolic_build` (models/keras_training.py): Keras' build of the
        optimizer and metrics before `fit`.
"""

from __future__ import annotations

from typing import Any, Callable

# -- Keras tree structures ------------------------------------------------------------------------


def register_tree_node_class(cls: type) -> type:
    """Registers `cls` (with `tree_flatten` / `tree_unflatten`) as a Keras tree node, if Keras
    has the hook; returns `cls` either way (without it the class is still a dict)."""
    try:
        from keras.src.tree.tree_api import register_tree_node_class as register
    except ImportError:  # pragma: no cover - other Keras layouts
        return cls
    return register(cls)


# -- variables created without a value (building a model straight from a checkpoint) -------------


def uninitialized_variables() -> list | None:
    """Keras' list of variables created in a stateless scope and not initialised yet (None
    where this Keras keeps no such list)."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover
        return None
    variables = global_state.get_global_attribute("uninitialized_variables")
    return list(variables) if variables is not None else []


def set_uninitialized_variables(variables: list) -> None:
    """Replaces Keras' list of variables still to initialise."""
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("uninitialized_variables", variables)


def in_stateless_scope() -> bool:
    """Whether a `keras.StatelessScope` is active."""
    from keras.src.backend.common.stateless_scope import in_stateless_scope as active

    return active()


def has_no_value(variable: Any) -> bool:
    """Whether a Keras variable was created without a value (its initialiser not run yet)."""
    return getattr(variable, "_value", 0) is None


def defers_initializer(variable: Any) -> bool:
    """Whether a Keras variable keeps an initialiser to run later (`deferred_initialize`)."""
    return hasattr(variable, "_initializer")


def set_initial_value(variable: Any, value: Any) -> None:
    """Makes a deferred variable's initialiser return `value` (its buffer becomes the variable's)."""
    variable._initializer = lambda shape, dtype=None, value=value: value


def deferred_initialize(variable: Any) -> None:
    """Runs a deferred variable's initialiser and creates its value."""
    variable._deferred_initialize()


# -- layers -------------------------------------------------------------------------------------


def flatten_layers(layer: Any) -> list:
    """`layer` and all the layers it tracks, recursively."""
    return list(layer._flatten_layers())


def compiled_loss(model: Any) -> Any:
    """The loss `model.compile(loss=...)` was given (Keras' `CompileLoss`), None without one."""
    return model._compile_loss


def adam_slots(optimizer: Any, variable: Any) -> tuple[Any, Any]:
    """A Keras `Adam`'s first and second moment variables of `variable`."""
    index = optimizer._get_variable_index(variable)
    return optimizer._momentums[index], optimizer._velocities[index]


# -- tf2onnx ------------------------------------------------------------------------------------


def onnx_optimizers() -> dict[str, Any]:
    """tf2onnx's graph optimisers by name, in the order it runs them."""
    from tf2onnx import optimizer

    return optimizer._get_optimizers()


def onnx_convert_common() -> Callable[..., Any]:
    """tf2onnx's conversion of a frozen graph (what `from_function` calls, without its options)."""
    from tf2onnx.convert import _convert_common

    return _convert_common


# -- TensorFlow's kernels ---------------------------------------------------------------------------


def onednn_enabled() -> bool:
    """Whether TensorFlow runs its oneDNN CPU kernels in this process (TF_ENABLE_ONEDNN_OPTS)."""
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # pragma: no cover - other TF layouts: assume TF's own kernels
        return False
    return bool(_pywrap_util_port.IsMklEnabled())


def in_xla_compilation() -> bool:
    """Whether ops traced now will be compiled by XLA (inside a `jit_compile=True` function,
    which includes Keras' `compile(jit_compile=True)` steps): XLA's kernels replace TF's."""
    try:
        from tensorflow.python.framework import ops
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # pragma: no cover - other TF layouts: assume XLA, the conservative answer
        return True
    return bool(control_flow_util.GraphOrParentsInXlaContext(ops.get_default_graph()))


def onednn_runs_softmax() -> bool:
    """Whether a softmax traced now runs oneDNN's CPU kernel: oneDNN is on, no GPU is there to
    take the op, and XLA does not compile it. The attention's default softmax dtype depends on
    it (`AttentionOptions.softmax_dtype`): only oneDNN's bfloat16 softmax accumulates in float32."""
    import tensorflow as tf

    return onednn_enabled() and not tf.config.list_logical_devices("GPU") and not in_xla_compilation()


def noinline_attributes() -> dict[str, Any]:
    """`tf.function(experimental_attributes=...)` that keep calls to the function calls in the
    caller's graph (TensorFlow then optimises the function's graph once, for every caller)."""
    return {"_noinline": True}
