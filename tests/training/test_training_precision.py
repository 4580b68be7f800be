"""Mixed precision (bfloat16, float16 with loss scaling) and XLA (`jit_compile=True`) training.

Tolerance (documented in README "Training"): on these tiny random models the mixed-precision
logits stay within 0.05 (bfloat16, 8-bit mantissa) and 0.01 (float16) of float32.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from tf_longformer.training import FusedAdam
from training_utils import dataset, tiny_config

TOLERANCE = {"mixed_bfloat16": 0.05, "mixed_float16": 0.01}


@pytest.fixture
def global_policy(request):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize("optimizer_class", [keras.optimizers.Adam, FusedAdam])
@pytest.mark.parametrize("global_policy", ["mixed_bfloat16", "mixed_float16"], indirect=True)
def test_mixed_precision_trains_without_nan_close_to_float32(global_policy, optimizer_class):
    data = dataset("sequence_classification")
    x, y = next(iter(data))
    reference = tfl.LongformerForSequenceClassification(tiny_config(), dtype="float32")
    reference.build(None)
    model = tfl.LongformerForSequenceClassification(tiny_config())  # takes the global policy
    model.build(None)
    assert model.dtype_policy.name == global_policy and model.longformer.encoder.dtype_policy.name == global_policy
    model.set_weights(reference.get_weights())
    assert all(v.dtype == "float32" for v in model.trainable_variables)  # float32 master weights

    logits = model(x).logits
    assert logits.dtype == tf.as_dtype(global_policy.split("_")[1])
    np.testing.assert_allclose(tf.cast(logits, tf.float32), reference(x).logits, atol=TOLERANCE[global_policy])

    # Every softmax of the graph (local and global attention) runs in float32, except the local
    # rows' in bfloat16 where oneDNN runs it (it computes in float32 inside; see
    # `AttentionOptions.softmax_dtype`). Under XLA all of them run in float32.
    local_softmax = model.longformer.encoder.attention_options.local_softmax_dtype(model.compute_dtype)
    assert _softmax_dtypes(model, x, jit_compile=False) == {tf.float32, local_softmax}
    assert _softmax_dtypes(model, x, jit_compile=True) == {tf.float32}

    model.compile(optimizer=optimizer_class(1e-3))
    if global_policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(data, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def _softmax_dtypes(model, inputs, jit_compile: bool) -> set:
    """The dtypes of the Softmax ops in a traced forward pass of `model` (not compiled)."""
    graph = (
        tf.function(lambda batch: model(batch).logits, jit_compile=jit_compile)
        .get_concrete_function({k: tf.TensorSpec([None, None], tf.int32) for k in inputs})
        .graph
    )
    definition = graph.as_graph_def()  # the layers run in traced functions: their ops are in the library
    nodes = [*definition.node, *(node for function in definition.library.function for node in function.node_def)]
    softmaxes = [node for node in nodes if node.op == "Softmax"]
    assert softmaxes
    return {tf.as_dtype(node.attr["T"].type) for node in softmaxes}


@pytest.mark.slow  # XLA compiles forward + backward: about 30-60 s on 2 shared cores
def test_jit_compile_training_with_global_tokens():
    model = tfl.LongformerForQuestionAnswering(tiny_config(num_labels=2), max_global_tokens=6)
    assert model.supports_jit
    assert not tfl.LongformerForQuestionAnswering(tiny_config(num_labels=2)).supports_jit
    data = dataset("question_answering")  # automatic global attention on `<s>` + the question: 4 tokens
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=True)
    history = model.fit(data, epochs=3, verbose=0).history
    assert model.jit_compile and np.all(np.isfinite(history["loss"]))
    assert history["loss"][-1] < history["loss"][0]
    # The XLA loss is the eager one.
    x, y = next(iter(data))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), float(model(x, **y).loss), rtol=1e-4)
