"""`ops.feed_forward` against the plain composition: values, gradients, what it keeps, what Grappler sees."""

import numpy as np
import pytest
import tensorflow as tf

from backward_graph import kept_for_backward
from tf_longformer.layers.feed_forward import ACTIVATIONS
from tf_longformer.ops.feed_forward import activation_then_projection, feed_forward, in_float32


def _tensors(*shapes, dtype=tf.float32, seed=7):
    rng = np.random.default_rng(seed)
    return [tf.cast(rng.normal(size=shape).astype(np.float32), dtype) for shape in shapes]


@pytest.mark.parametrize("name", ["gelu", "gelu_new", "relu", "silu", "tanh"])
def test_activation_then_projection_matches_the_plain_composition_with_gradients(name):
    pre_activation, kernel, upstream = _tensors((2, 5, 12), (12, 3), (2, 5, 3))
    activation = ACTIVATIONS[name]

    def gradients(fn):
        with tf.GradientTape() as tape:
            tape.watch([pre_activation, kernel])
            output = fn(pre_activation, kernel)
        return [output] + tape.gradient(output, [pre_activation, kernel], output_gradients=upstream)

    ours = gradients(lambda x, k: activation_then_projection(x, k, activation))
    plain = gradients(lambda x, k: tf.tensordot(activation(x), k, axes=1))
    assert ours[0].shape == (2, 5, 3)
    for got, expected in zip(ours, plain):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("recompute_activation", [False, True])
def test_feed_forward_matches_the_plain_composition_with_gradients(recompute_activation):
    hidden_states, intermediate_kernel, intermediate_bias, output_kernel, upstream = _tensors(
        (2, 5, 6), (6, 12), (12,), (12, 4), (2, 5, 4)
    )
    activation = ACTIVATIONS["gelu"]
    weights = [hidden_states, intermediate_kernel, intermediate_bias, output_kernel]

    def gradients(fn):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            output = fn(*weights)
        return [output] + tape.gradient(output, weights, output_gradients=upstream)

    ours = gradients(lambda *w: feed_forward(*w, activation, recompute_activation=recompute_activation))
    plain = gradients(lambda x, k1, b1, k2: tf.tensordot(activation(tf.tensordot(x, k1, axes=1) + b1), k2, axes=1))
    assert ours[0].shape == (2, 5, 4)
    for got, expected in zip(ours, plain):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_in_float32_computes_the_activation_in_float32_and_returns_the_input_dtype():
    (values,) = _tensors((64,), dtype=tf.bfloat16)
    gelu = ACTIVATIONS["gelu"]
    got = in_float32(gelu)(values)
    assert got.dtype == tf.bfloat16
    # Rounded once from the float32 result, not at every step of the bfloat16 formula.
    np.testing.assert_array_equal(got.numpy(), tf.cast(gelu(tf.cast(values, tf.float32)), tf.bfloat16).numpy())
    (float_values,) = _tensors((8,))
    np.testing.assert_array_equal(in_float32(gelu)(float_values), gelu(float_values))


def test_keeps_only_the_pre_activation_for_the_backward_pass():
    """No [..., I]-sized tensor but the input is held between the forward and backward pass."""
    pre_activation = tf.random.normal((1, 8, 64))
    kernel = tf.random.normal((64, 4))

    # `+ 1.0`: the input is a tensor of the forward pass, not a placeholder the caller holds anyway.
    kept = [
        op.name
        for op in kept_for_backward(
            lambda x: activation_then_projection(x + 1.0, kernel, ACTIVATIONS["gelu"]), pre_activation
        )
    ]
    # Only (a view of) the input reaches the backward pass: no GELU internals, and the
    # recomputation does not run early (it waits for the upstream gradient).
    assert kept == ["Reshape"], kept


@pytest.mark.parametrize("dtype", [tf.float32, tf.bfloat16])
def test_inference_graph_has_matmul_bias_add_gelu_back_to_back(dtype):
    """The pattern Grappler's remapper fuses into one oneDNN kernel: nothing between the
    2-D MatMul, its BiasAdd and the GELU's ops (a cast or reshape there stops the fusion)."""
    hidden_states, intermediate_kernel, intermediate_bias, output_kernel = _tensors(
        (1, 8, 6), (6, 12), (12,), (12, 4), dtype=dtype
    )

    @tf.function
    def forward(hidden_states):
        return feed_forward(hidden_states, intermediate_kernel, intermediate_bias, output_kernel, ACTIVATIONS["gelu"])

    graph = forward.get_concrete_function(tf.TensorSpec([None, None, 6], dtype)).graph
    (bias_add,) = [op for op in graph.get_operations() if op.type == "BiasAdd"]
    assert bias_add.inputs[0].op.type == "MatMul"
    gelu_ops = {consumer.type for consumer in bias_add.outputs[0].consumers()}
    assert gelu_ops <= {"Mul", "Neg"}, gelu_ops  # exact GELU: 0.5 * x * erfc(-x / sqrt(2))
