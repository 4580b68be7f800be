"""Gradient checkpointing of a Keras layer that replays its randomness exactly.

`tf.recompute_grad` runs the layer again in the backward pass. Keras `Dropout` draws its
mask from a `SeedGenerator` whose `state` variable advances on every call, so a plain
recomputation would draw *another* mask than the forward pass did and silently compute
the gradient of a different function. `checkpointed_call` snapshots the layer's
non-trainable state (the seed generators' states; any other non-trainable variable too)
before the forward pass and restores it at the start of the recomputation: both passes
draw the same masks and leave the same final state.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


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
