"""`lean_layer_normalization` against `keras.layers.LayerNormalization`: values, gradients, what it keeps."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from backward_graph import kept_for_backward
from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.ops.layer_norm import lean_layer_normalization


def _keras_layer_norm(rng, hidden, epsilon):
    layer = keras.layers.LayerNormalization(epsilon=epsilon)
    layer.build((None, hidden))
    layer.gamma.assign(rng.normal(1.0, 0.3, size=hidden).astype(np.float32))
    layer.beta.assign(rng.normal(0.0, 0.3, size=hidden).astype(np.float32))
    return layer


@pytest.mark.parametrize("epsilon", [1e-12, 1e-5])
def test_values_and_gradients_equal_keras(epsilon):
    rng = np.random.default_rng(3)
    layer = _keras_layer_norm(rng, 16, epsilon)
    inputs = tf.constant(rng.normal(2.0, 3.0, size=(2, 7, 16)).astype(np.float32))
    upstream = tf.constant(rng.normal(size=(2, 7, 16)).astype(np.float32))

    def values_and_gradients(fn):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = fn(inputs)
        return [output] + tape.gradient(
            output, [inputs, layer.gamma.value, layer.beta.value], output_gradients=upstream
        )

    def lean(x):
        return lean_layer_normalization(x, layer.gamma.value, layer.beta.value, epsilon)

    ours, expected = values_and_gradients(lean), values_and_gradients(layer)
    for got, want in zip(ours, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-5, atol=2e-5)


def test_bfloat16_inputs_normalise_in_float32_and_return_bfloat16():
    rng = np.random.default_rng(4)
    layer = _keras_layer_norm(rng, 8, 1e-5)
    inputs = tf.constant(rng.normal(size=(3, 8)).astype(np.float32), tf.bfloat16)
    ours = lean_layer_normalization(inputs, layer.gamma.value, layer.beta.value, 1e-5)
    assert ours.dtype == tf.bfloat16
    np.testing.assert_array_equal(tf.cast(ours, tf.float32).numpy(), tf.cast(layer(inputs), tf.float32).numpy())


def test_keeps_one_tensor_of_the_input_size_for_the_backward_pass():
    inputs = tf.random.normal((1, 8, 64))
    gamma, beta = tf.ones((64,)), tf.zeros((64,))

    # `+ 1.0`: the input is a tensor of the forward pass, not a placeholder the caller holds anyway.
    kept = [op.name for op in kept_for_backward(lambda x: lean_layer_normalization(x + 1.0, gamma, beta, 1e-5), inputs)]
    # Only the normalized values; Keras' LayerNormalization keeps its input and `x * inv` too.
    assert len(kept) == 1, kept


def test_residual_projection_training_path_equals_the_inference_path():
    """Training uses the lean LayerNorm; without dropout both paths give the same values."""
    layer = ResidualProjection(16, dropout=0.0, layer_norm_eps=1e-5)
    layer.build((None, 5, 16))
    rng = np.random.default_rng(5)
    inputs, residual = (tf.constant(rng.normal(size=(2, 5, 16)).astype(np.float32)) for _ in range(2))
    np.testing.assert_allclose(
        layer(inputs, residual, training=True).numpy(), layer(inputs, residual, training=False).numpy(), atol=2e-6
    )
