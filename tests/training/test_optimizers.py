"""`FusedAdam`: Keras' Adam through TensorFlow's fused kernel; the same updates, less memory."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from tf_longformer.training import FusedAdam
from training_utils import tiny_config


def _train(optimizer, steps=4, rows=(1, 3, 5, 7)):
    """Weights after `steps` updates of a small embedding + scale problem (gather -> IndexedSlices)."""
    rng = np.random.default_rng(0)
    table = keras.Variable(rng.standard_normal((10, 4)).astype("float32"))
    scale = keras.Variable(rng.standard_normal((4,)).astype("float32"))
    variables = [table, scale]

    @tf.function
    def step(index):
        with tf.GradientTape() as tape:
            rows_embedded = tf.gather(table, rows)
            loss = tf.reduce_sum(tf.sin(rows_embedded * scale * tf.cast(index + 1, tf.float32)))
        grads = tape.gradient(loss, [v.value for v in variables])
        optimizer.apply_gradients(zip(grads, variables))

    for index in range(steps):
        step(tf.constant(index))
    return [v.numpy() for v in variables]


def _numpy_adam(steps, rows, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Textbook Adam on the dense gradient (rows summed), in float64."""
    rng = np.random.default_rng(0)
    table = rng.standard_normal((10, 4)).astype("float32").astype(np.float64)
    scale = rng.standard_normal((4,)).astype("float32").astype(np.float64)
    params, moments, velocities = (
        [table, scale],
        [np.zeros_like(table), np.zeros_like(scale)],
        [np.zeros_like(table), np.zeros_like(scale)],
    )
    for index in range(steps):
        factor = index + 1
        embedded = table[list(rows)]
        inner = np.cos(embedded * scale * factor) * factor  # d sin(e * s * f) / d(e * s)
        grad_table = np.zeros_like(table)
        np.add.at(grad_table, list(rows), inner * scale)
        grad_scale = (inner * embedded).sum(0)
        t = index + 1
        for param, grad, m, v in zip(params, (grad_table, grad_scale), moments, velocities):
            m[...] = beta_1 * m + (1 - beta_1) * grad
            v[...] = beta_2 * v + (1 - beta_2) * grad**2
            param -= learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (np.sqrt(v) + epsilon)
    return params


@pytest.mark.parametrize("options", [{}, {"clipnorm": 0.5}, {"weight_decay": 0.1}, {"beta_1": 0.8, "epsilon": 1e-4}])
def test_same_updates_as_keras_adam(options):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    ours = _train(FusedAdam(learning_rate=schedule, **options))
    keras_adam = _train(keras.optimizers.Adam(learning_rate=schedule, **options))
    for a, b in zip(ours, keras_adam):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=2e-5)
    assert np.abs(ours[0] - _train(FusedAdam(learning_rate=0.0))[0]).max() > 0.05  # it did move the weights


def test_repeated_rows_follow_textbook_adam():
    """A row gathered twice gets one gradient, the sum; Adam's second moment squares that sum.

    (Keras' Adam squares each gathered slice before summing them, so it differs from
    textbook Adam, and from PyTorch's, on repeated tokens; FusedAdam does not.)"""
    rows = (1, 3, 3, 7)
    ours = _train(FusedAdam(learning_rate=0.1), rows=rows)
    for a, b in zip(ours, _numpy_adam(4, rows, 0.1)):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_config_round_trip_and_fit():
    optimizer = FusedAdam(learning_rate=3e-3, beta_2=0.98, weight_decay=0.01)
    clone = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(clone, FusedAdam) and clone.get_config() == optimizer.get_config()

    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification(tiny_config(num_labels=2))
    model.compile(optimizer=FusedAdam(1e-2))
    ids = np.random.default_rng(0).integers(3, 40, (8, 12)).astype("int32")
    labels = (ids[:, 1] > 20).astype("int32")
    history = model.fit(
        {"input_ids": ids, "attention_mask": np.ones_like(ids)}, labels, epochs=3, batch_size=4, verbose=0
    )
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_amsgrad_takes_keras_update():
    # amsgrad has no fused kernel: Keras' own update runs (the same values as Keras' Adam).
    ours = _train(FusedAdam(learning_rate=0.1, amsgrad=True))
    for a, b in zip(ours, _train(keras.optimizers.Adam(learning_rate=0.1, amsgrad=True))):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_runs_under_xla():
    """`ResourceApplyAdam` has an XLA kernel: a `jit_compile=True` train step updates as Keras' Adam does."""
    weights = []
    for optimizer in (FusedAdam(0.05), keras.optimizers.Adam(0.05)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
        model.compile(optimizer=optimizer, loss="mse", jit_compile=True)
        x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
        model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=8, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, atol=1e-5)
