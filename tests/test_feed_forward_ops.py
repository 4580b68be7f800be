"""`activation_then_projection` against the plain composition, values and gradients."""

import numpy as np
import pytest
import tensorflow as tf

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

    @tf.function
    def step(pre_activation):
        with tf.GradientTape() as tape:
            tape.watch(pre_activation)
            loss = tf.reduce_sum(activation_then_projection(pre_activation, kernel, bias, ACTIVATIONS["gelu"]))
        return loss, tape.gradient(loss, pre_activation)

    graph = step.get_concrete_function(pre_activation).graph
    forward, stack = set(), [graph.outputs[0].op]
    while stack:
        op = stack.pop()
        if op not in forward:
            forward.add(op)
            stack.extend(tensor.op for tensor in op.inputs)
    kept = {
        op.name for op in forward for out in op.outputs
        if out.shape.num_elements() == 8 * 64 and any(c not in forward for c in out.consumers())
    }
    # Only the input itself (and views of it) reach the backward pass, not GELU's internals.
    assert all(op.split("/")[-1].startswith(("pre_activation", "Reshape")) for op in kept), kept
