"""The encoder traces one layer function per distinct layer configuration.

Counts traces and graph ops, never times. Values are checked against calling the layers
directly (the path the per-layer functions replace).
"""

from __future__ import annotations

import collections
import re

import numpy as np
import pytest
import tensorflow as tf

import tf_longformer
from tf_longformer.layers import encoder as encoder_module


def _config(layers=3, window=8, **kwargs):
    return tf_longformer.LongformerConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        attention_window=window,
        max_position_embeddings=130,
        **kwargs,
    )


def _inputs(batch=2, length=20):
    ids = tf.constant(np.random.default_rng(0).integers(3, 100, (batch, length)), tf.int32)
    global_mask = tf.constant(np.eye(length)[[0, 3]][:batch], tf.int32)
    return ids, global_mask


def _direct(self, layer, hidden_states, attention_mask, layout, training, return_attention_probs, shared):
    return layer(
        hidden_states,
        attention_mask,
        training=training,
        return_attention_probs=return_attention_probs,
        attention_layout=layout,
    )


@pytest.fixture
def direct_layers(monkeypatch):
    """Within the `with`: the encoder calls its layers directly, without the shared layer functions."""

    class Switch:
        def __enter__(self):
            monkeypatch.setattr(encoder_module.LongformerEncoder, "_run_layer", _direct)

        def __exit__(self, *exc):
            monkeypatch.undo()

    return Switch()


def _traces(model):
    return {
        key[1:]: function.experimental_get_tracing_count()
        for key, function in model.encoder._layer_functions._functions.items()
    }


def test_one_trace_per_configuration_for_identical_layers():
    model = tf_longformer.LongformerModel(_config(layers=4))
    ids, global_mask = _inputs()
    forward = tf.function(
        lambda ids, mask: model(input_ids=ids, global_attention_mask=mask)["last_hidden_state"],
        input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2,
    )
    forward(ids, global_mask)
    forward(ids[:, :12], global_mask[:, :12])
    assert _traces(model) == {(False, False, True, tf.float32, False): 1}  # (training, probs, inline, softmax, XLA)


def test_graph_size_does_not_grow_with_the_layer_count():
    def ops(layers):
        model = tf_longformer.LongformerModel(_config(layers=layers))
        function = tf.function(
            lambda ids, mask: model(input_ids=ids, global_attention_mask=mask)["last_hidden_state"],
            input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2,
        )
        graph = function.get_concrete_function().graph.as_graph_def()
        return len(graph.node) + sum(len(f.node_def) for f in graph.library.function)

    two, six = ops(2), ops(6)
    # Each extra layer adds its weight reads and one call, not another copy of the layer.
    assert six - two < 0.25 * two


def test_distinct_windows_get_their_own_function():
    model = tf_longformer.LongformerModel(_config(layers=3, window=[8, 16, 8]))
    ids, global_mask = _inputs()
    tf.function(lambda ids, mask: model(input_ids=ids, global_attention_mask=mask)["last_hidden_state"])(
        ids, global_mask
    )
    keys = list(model.encoder._layer_functions._functions)
    assert len(keys) == 2 and {'"attention_window": 8' in key[0] for key in keys} == {True, False}


@pytest.mark.parametrize("graph", [False, True])
def test_outputs_and_gradients_match_direct_layer_calls(direct_layers, graph):
    model = tf_longformer.LongformerModel(_config(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))
    ids, global_mask = _inputs()

    def loss_and_grads():
        def run():
            with tf.GradientTape() as tape:
                hidden = model(input_ids=ids, global_attention_mask=global_mask, training=True)["last_hidden_state"]
                loss = tf.reduce_sum(hidden**2)
            return hidden, tape.gradient(loss, model.trainable_variables)

        return tf.function(run)() if graph else run()

    hidden, grads = loss_and_grads()
    with direct_layers:
        expected_hidden, expected_grads = loss_and_grads()
    np.testing.assert_allclose(hidden.numpy(), expected_hidden.numpy(), rtol=1e-5, atol=1e-5)
    for grad, expected in zip(grads, expected_grads):
        assert (grad is None) == (expected is None)
        if grad is not None:
            np.testing.assert_allclose(
                tf.convert_to_tensor(grad).numpy(), tf.convert_to_tensor(expected).numpy(), rtol=1e-4, atol=1e-5
            )


@pytest.mark.parametrize("checkpointing", [False, True])
def test_dropout_draws_each_layers_own_masks_as_direct_calls_do(direct_layers, checkpointing):
    model = tf_longformer.LongformerModel(
        _config(hidden_dropout_prob=0.3, attention_probs_dropout_prob=0.3, gradient_checkpointing=checkpointing)
    )
    ids, global_mask = _inputs()
    model(input_ids=ids[:, :4])
    state = [variable.numpy() for variable in model.non_trainable_variables]

    def run():
        with tf.GradientTape() as tape:
            hidden = model(input_ids=ids, global_attention_mask=global_mask, training=True)["last_hidden_state"]
            loss = tf.reduce_sum(hidden**2)
        return (
            hidden.numpy(),
            [variable.numpy() for variable in model.non_trainable_variables],
            tape.gradient(loss, model.trainable_variables),
        )

    hidden, new_state, grads = run()
    for variable, value in zip(model.non_trainable_variables, state):
        variable.assign(value)
    with direct_layers:
        expected_hidden, expected_state, expected_grads = run()
    np.testing.assert_allclose(hidden, expected_hidden, rtol=1e-5, atol=1e-5)
    for value, expected in zip(new_state, expected_state):
        np.testing.assert_array_equal(value, expected)
    assert any(not np.array_equal(a, b) for a, b in zip(new_state, state))  # the seeds advanced
    for grad, expected in zip(grads, expected_grads):
        if grad is not None:
            np.testing.assert_allclose(
                tf.convert_to_tensor(grad).numpy(), tf.convert_to_tensor(expected).numpy(), rtol=1e-4, atol=1e-5
            )


def test_predict_on_a_new_model_traces_once_and_creates_no_variable_in_the_trace():
    model = tf_longformer.LongformerModel(_config())
    ids, global_mask = _inputs()
    x = {"input_ids": ids.numpy(), "global_attention_mask": global_mask.numpy()}
    first = model.predict(x, verbose=0)
    second = model.predict(x, verbose=0)
    assert model.predict_function.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(first["last_hidden_state"], second["last_hidden_state"])
    assert _traces(model) == {(False, False, False, tf.float32, False): 1}  # predict's graph calls the layer function
    np.testing.assert_allclose(first["last_hidden_state"], model(**x)["last_hidden_state"], rtol=1e-5, atol=1e-5)


def _count_calls(monkeypatch, model):
    calls = []
    call = model.call

    def counted(*args, **kwargs):
        calls.append(tf.executing_eagerly())
        return call(*args, **kwargs)

    monkeypatch.setattr(model, "call", counted)
    return calls


def test_predict_and_fit_on_a_new_model_trace_their_step_once(monkeypatch):
    import keras

    model = tf_longformer.LongformerForSequenceClassification(_config(layers=2))
    ids, global_mask = _inputs()
    calls = _count_calls(monkeypatch, model)
    model.predict({"input_ids": ids.numpy()}, verbose=0)
    assert calls == [False]  # one trace: no weight was created in it (that would trace twice)
    model = tf_longformer.LongformerForSequenceClassification(_config(layers=2))
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    calls = _count_calls(monkeypatch, model)
    model.fit({"input_ids": ids.numpy()}, np.array([0, 1]), batch_size=2, epochs=2, verbose=0)
    assert calls == [False]  # weights and optimizer slots existed before the train step's trace
    assert _traces(model.longformer) == {(True, False, True, tf.float32, False): 1}


def test_only_graphs_that_ask_call_shared_layer_graphs_and_training_keeps_calls_it_does_not_differentiate():
    """Keras' predict graph calls one function per distinct layer (optimised once); graphs users
    trace (and may convert: TFLite cannot convert a call) inline unless they ask. Training inlines
    the layers it differentiates (the gradient of a kept call would hold more activations) and
    keeps as calls what TensorFlow does not differentiate: the attention's recomputed span
    (forward and backward) and, with gradient checkpointing, the forward pass's layers."""
    model = tf_longformer.LongformerForSequenceClassification(_config(layers=2))
    ids, global_mask = _inputs()

    def kept_calls(graph_def) -> collections.Counter:
        """{traced Python function: call sites} of the kept calls, in the graph and in its functions
        (one site in a layer function's body serves every layer that calls it)."""
        kept = {f.signature.name for f in graph_def.library.function if "_noinline" in f.attr}
        nodes = [*graph_def.node, *(n for f in graph_def.library.function for n in f.node_def)]
        called = [n.attr["f"].func.name for n in nodes if n.op in ("PartitionedCall", "StatefulPartitionedCall")]
        return collections.Counter(re.fullmatch(r"__inference_(.*)_\d+", name)[1] for name in called if name in kept)

    def graph_of(**call_arguments):
        function = tf.function(lambda ids: model(input_ids=ids, **call_arguments).logits)
        return function.get_concrete_function(tf.TensorSpec([None, None], tf.int32)).graph.as_graph_def()

    def gradient_graph():
        def step(ids):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(model(input_ids=ids, training=True).logits)
            return tape.gradient(loss, model.trainable_variables)

        return tf.function(step).get_concrete_function(tf.TensorSpec([None, None], tf.int32)).graph.as_graph_def()

    recomputed_span = {"attend_and_project", "backward"}
    assert kept_calls(graph_of()) == {}
    assert kept_calls(graph_of(shared_layer_graphs=True)) == {"longformer_layer": 2}  # a call per layer, one function
    assert set(kept_calls(graph_of(training=True, shared_layer_graphs=True))) == {"attend_and_project"}
    assert set(kept_calls(gradient_graph())) == recomputed_span
    model.longformer.encoder.gradient_checkpointing = True
    assert kept_calls(graph_of(training=True))["longformer_layer"] == 2
    assert kept_calls(graph_of()) == {}  # inference is as without checkpointing
    checkpointed = kept_calls(gradient_graph())
    assert checkpointed["longformer_layer"] == 2  # the forward pass's; the recomputations are inlined
    assert set(checkpointed) == recomputed_span | {"longformer_layer"}
    model.longformer.encoder.gradient_checkpointing = False
    model.compile(optimizer="adam")
    model.predict({"input_ids": ids.numpy()}, verbose=0)
    concrete = model.predict_function.get_concrete_function(
        *model.predict_function._list_all_concrete_functions()[0].structured_input_signature[0]
    )
    assert kept_calls(concrete.graph.as_graph_def()) == {"longformer_layer": 2}
    np.testing.assert_allclose(
        model.predict({"input_ids": ids.numpy()}, verbose=0)["logits"], model(input_ids=ids).logits, atol=1e-5
    )


def test_recomputed_span_calls_take_no_input_that_folds_to_a_constant():
    """With a static length a shape is a constant, which TensorFlow pushes into the called function,
    specialising one copy per call site: the span's calls must take only data (layers' tensors)."""
    model = tf_longformer.LongformerForSequenceClassification(_config(layers=2))
    ids, _ = _inputs()
    function = tf.function(lambda ids: model(input_ids=ids, training=True).logits)
    graph_def = function.get_concrete_function(tf.TensorSpec(ids.shape, tf.int32)).graph.as_graph_def()
    spans = {f.signature.name for f in graph_def.library.function if "attend_and_project" in f.signature.name}
    checked = 0
    for body in graph_def.library.function:
        producers = {node.name: node.op for node in body.node_def}
        for node in body.node_def:
            if node.op.endswith("PartitionedCall") and node.attr["f"].func.name in spans:
                inputs = [producers.get(name.split(":")[0]) for name in node.input if not name.startswith("^")]
                assert not {"Shape", "Const"} & set(inputs), inputs
                checked += 1
    assert checked
