"""Recomputing activations for the gradients instead of keeping them.

`recomputed` does it for a pure function of tensors (the attention's probabilities);
`checkpointed_call` for a whole Keras layer, replaying its randomness exactly:

`tf.recompute_grad` runs the layer again in the backward pass. Keras `Dropout` draws its
mask from a `SeedGenerator` whose `state` variable advances on every call, so a plain
recomputation would draw *another* mask than the forward pass did and silently compute
the gradient of a different function. `checkpointed_call` snapshots the layer's
non-trainable state (the seed generators' states; any other non-trainable variable too)
before the forward pass and restores it at the start of the recomputation: both passes
draw the same masks and leave the same final state.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import tensorflow as tf

import tf_longformer._compat as _compat


def checkpointed_call(layer: keras.layers.Layer, inputs: tf.Tensor, *args: Any, **kwargs: Any):
    """`layer(inputs, *args, **kwargs)` keeping only `inputs`; activations are recomputed for gradients.

    Gradients flow to `inputs` and the layer's trainable variables (not to `args`, which
    must be tensors without gradient, such as masks, or Python values).
    """
    state = list(layer.non_trainable_variables)
    snapshot = [tf.identity(variable.value) for variable in state]

    def forward(hidden):
        for variable, value in zip(state, snapshot):
            variable.assign(value)  # a no-op in the forward pass; a rewind in the recomputation
        return layer(hidden, *args, **kwargs)

    return tf.recompute_grad(forward)(inputs)


def recomputed(body: Callable[..., tf.Tensor], inputs: Sequence[tf.Tensor]) -> tf.Tensor:
    """`body(*inputs)`, keeping only `inputs` for the gradients: the backward pass recomputes the rest.

    In a traced graph the forward pass is one call of `body` traced as a function, and the
    backward pass (recomputation and gradient) one call of another, both kept calls
    (`_noinline`): TensorFlow optimises each graph once however many layers run it, not once
    per inlined copy, which makes the first training step much faster. Neither call is
    differentiated by TensorFlow, so neither keeps more than its inputs. Eagerly (where each
    call would trace anew) and under XLA (which inlines calls and would merge the recomputation
    with the forward pass it repeats) this is `tf.recompute_grad`.

    `body` must be a function of `inputs` and of captured tensors that need no gradient (masks,
    seeds); gradients flow to every input (zero where it does not matter).
    """
    if tf.executing_eagerly() or _compat.in_xla_compilation():
        return tf.recompute_grad(body)(*inputs)
    attributes = _compat.noinline_attributes()
    forward = tf.function(body, autograph=False, experimental_attributes=attributes)

    @tf.function(autograph=False, experimental_attributes=attributes)
    def backward(upstream, *values):
        with tf.GradientTape() as tape:
            tape.watch(values)
            result = body(*values)
        return tape.gradient(result, values, upstream, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    @tf.custom_gradient
    def region(*values):
        # Inputs without gradient: no tape records the call, so it returns only its result.
        result = forward(*[tf.stop_gradient(value) for value in values])
        return result, lambda upstream: backward(upstream, *values)

    return region(*inputs)
