"""Recomputation for gradients: `recomputed` spans equal autodiff and keep only their inputs;
checkpointed layers replay the forward pass's dropout masks exactly."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from backward_graph import kept_for_backward
from tf_longformer.layers.checkpointing import checkpointed_call, recomputed

CONFIG = dict(
    vocab_size=40,
    hidden_size=16,
    num_hidden_layers=3,
    num_attention_heads=2,
    intermediate_size=32,
    attention_window=[4, 8, 4],  # the first and last layers share one traced function
    max_position_embeddings=64,
    num_labels=3,
    hidden_dropout_prob=0.3,
    attention_probs_dropout_prob=0.3,
)


def _batch():
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 40, size=(2, 11)).astype("int32")
    ids[:, 0] = 0
    mask = np.ones_like(ids)
    mask[1, -3:] = 0
    return {"input_ids": ids, "attention_mask": mask}, np.array([0, 2], "int32")


def _gradients(model, inputs, labels, checkpointing, state, compiled):
    """Gradients of the training loss, starting from the non-trainable `state` (the seeds)."""
    model.longformer.encoder.gradient_checkpointing = checkpointing
    for variable, value in zip(model.non_trainable_variables, state):
        variable.assign(value)

    def step():
        with tf.GradientTape() as tape:
            loss = model(inputs, labels=labels, training=True).loss
        return loss, tape.gradient(loss, model.trainable_variables)

    loss, grads = (tf.function(step, jit_compile=compiled == "xla") if compiled else step)()
    return (
        float(loss),
        [np.asarray(tf.convert_to_tensor(g)) for g in grads],
        [np.asarray(v.value) for v in model.non_trainable_variables],
    )


@pytest.mark.parametrize("compiled", [False, "graph", "xla"], ids=["eager", "tf_function", "xla"])
def test_checkpointed_gradients_equal_plain_ones_with_dropout(compiled):
    model = tfl.LongformerForSequenceClassification(
        tfl.LongformerConfig(**CONFIG, gradient_checkpointing=True), max_global_tokens=2
    )
    inputs, labels = _batch()
    model(inputs)
    state = [np.asarray(v.value) for v in model.non_trainable_variables]
    assert state, "the dropout layers' seed generators are the model's non-trainable state"

    plain_loss, plain, plain_state = _gradients(model, inputs, labels, False, state, compiled)
    ckpt_loss, ckpt, ckpt_state = _gradients(model, inputs, labels, True, state, compiled)

    assert ckpt_loss == pytest.approx(plain_loss, rel=1e-6)
    for got, want in zip(ckpt, plain):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(ckpt_state, plain_state):  # the seeds advance exactly as without checkpointing
        np.testing.assert_array_equal(got, want)

    # Dropout is really on: other seeds give other gradients.
    other = [v + np.array([0, 7], v.dtype) if v.shape == (2,) else v for v in state]
    _, moved, _ = _gradients(model, inputs, labels, True, other, compiled)
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(moved, plain))


def test_plain_recompute_grad_would_draw_new_masks():
    """Why the snapshot is needed: tf.recompute_grad alone differentiates another dropout mask."""
    layer = keras.layers.Dropout(0.5, seed=1)
    x = tf.ones([4, 64])

    def grads(call):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = call(x)
        return y.numpy(), tape.gradient(y, x).numpy()

    layer.seed_generator.state.assign([1, 0])
    y, g = grads(lambda t: checkpointed_call(layer, t, training=True))
    np.testing.assert_array_equal(g, (y != 0) * 2.0)  # the gradient's mask is the forward mask
    layer.seed_generator.state.assign([1, 0])
    y, g = grads(tf.recompute_grad(lambda t: layer(t, training=True)))
    assert not np.array_equal(g, (y != 0) * 2.0)


def _span(x, y):
    """Elementwise activations (each kept by plain autodiff), a captured mask, and an input
    (`y`'s second half) that the output does not depend on."""
    mask = tf.cast(tf.range(tf.shape(x)[-1]) % 3 > 0, x.dtype)
    return tf.tanh(x) * tf.exp(y[:, :4]) * mask + tf.sin(x)


@pytest.mark.parametrize("compiled", [False, "graph", "xla"], ids=["eager", "tf_function", "xla"])
def test_recomputed_span_has_the_gradients_of_the_span(compiled):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 4)), tf.float32)
    y = tf.constant(rng.normal(size=(3, 8)), tf.float32)
    upstream = tf.constant(rng.normal(size=(3, 4)), tf.float32)

    def gradients(span):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            output = span(x, y)
        return [output, *tape.gradient(output, [x, y], output_gradients=upstream)]

    def run(function):
        return (tf.function(function, jit_compile=compiled == "xla") if compiled else function)()

    want = run(lambda: gradients(_span))
    got = run(lambda: gradients(lambda x, y: recomputed(_span, [x, y])))
    for got_value, want_value in zip(got, want):
        np.testing.assert_allclose(got_value, want_value, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(got[2][:, 4:], 0.0)  # an input without influence gets zeros


def test_recomputed_span_keeps_only_its_inputs_and_is_traced_once_as_calls():
    x = tf.zeros([3, 4])
    assert kept_for_backward(lambda x: _span(x, tf.concat([x, x], -1)), x)  # autodiff keeps activations
    assert kept_for_backward(lambda x: recomputed(_span, [x, tf.concat([x, x], -1)]), x) == []

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            output = recomputed(_span, [x, tf.concat([x, x], -1)])
        return tape.gradient(output, x)

    graph_def = step.get_concrete_function(tf.TensorSpec([None, 4])).graph.as_graph_def()
    kept = {f.signature.name for f in graph_def.library.function if "_noinline" in f.attr}
    calls = [node.attr["f"].func.name for node in graph_def.node if node.op.endswith("PartitionedCall")]
    assert len(kept) == 2 and sorted(calls) == sorted(kept)  # forward and backward: one kept call each
