"""`activation_then_projection` against the plain composition, values and gradients."""

import numpy as np
import pytest
import tensorflow as tf

from backward_graph import kept_for_backward
from tf_longformer.layers.feed_forward import ACTIVATIONS
from tf_longformer.ops.feed_forward import activation_then_projection


@pytest.mark.parametrize("name", ["gelu", "gelu_new", "relu", "silu", "tanh"])
def test_matches_the_plain_composition_with_gradients(name):
    rng = np.random.default_rng(7)
    pre_activation, kernel, bias = (
        tf.constant(rng.normal(size=shape).astype(np.float32)) for shape in [(2, 5, 12), (12, 3), (3,)]
    )
    upstream = tf.constant(rng.normal(size=(2, 5, 3)).astype(np.float32))
    activation = ACTIVATIONS[name]

    def gradients(fn):
        with tf.GradientTape() as tape:
            tape.watch([pre_activation, kernel, bias])
            output = fn(pre_activation, kernel, bias)
        return [output] + tape.gradient(output, [pre_activation, kernel, bias], output_gradients=upstream)

    ours = gradients(lambda x, k, b: activation_then_projection(x, k, b, activation))
    plain = gradients(lambda x, k, b: tf.tensordot(activation(x), k, axes=1) + b)
    assert ours[0].shape == (2, 5, 3)
    for got, expected in zip(ours, plain):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_keeps_only_the_pre_activation_for_the_backward_pass():
    """No [..., I]-sized tensor but the input is held between the forward and backward pass."""
    pre_activation = tf.random.normal((1, 8, 64))
    kernel, bias = tf.random.normal((64, 4)), tf.zeros((4,))

    # `+ 1.0`: the input is a tensor of the forward pass, not a placeholder the caller holds anyway.
    kept = [
        op.name
        for op in kept_for_backward(
            lambda x: activation_then_projection(x + 1.0, kernel, bias, ACTIVATIONS["gelu"]), pre_activation
        )
    ]
    # Only (a view of) the input reaches the backward pass: no GELU internals, and the
    # recomputation does not run early (it waits for the upstream gradient).
    assert kept == ["Reshape"], kept
