"""Keras' layer-level features on our models: `model.quantize` and `Dense.enable_lora`.

The attention and feed-forward blocks fuse their projections where the weights are plain
floats and call the sub-layers otherwise (`layers.fusion`); these tests show the result is
what Keras' own layers give.
"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
import tf_longformer._compat as _compat
from tf_longformer.layers import fusion
from tf_longformer.models import registry

HIDDEN, LAYERS, HEADS, INTERMEDIATE, VOCAB, LENGTH = 64, 2, 4, 128, 60, 30


def config(**overrides):
    values = dict(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        attention_window=[8, 16],
        max_position_embeddings=80,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=2,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


def token_ids(batch=2, seed=0):
    ids = np.random.default_rng(seed).integers(3, VOCAB, (batch, LENGTH)).astype("int32")
    ids[:, 0] = 0
    ids[:, 5:7] = 2  # separators: automatic global attention of QA / multiple choice
    return ids


def relative_error(got, want):
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def quantized(model, mode):
    with warnings.catch_warnings():  # Keras warns for each LayerNormalization / Dropout it skips
        warnings.simplefilter("ignore")
        model.quantize(mode)
    return model


def stock_keras_transformer():
    """Keras' own blocks at our size: embeddings, then per layer `MultiHeadAttention` and a
    `Dense` feed-forward, each with a residual `LayerNormalization`."""
    ids = keras.Input((None,), dtype="int32")
    hidden = keras.layers.Embedding(VOCAB, HIDDEN)(ids)
    for _ in range(LAYERS):
        attended = keras.layers.MultiHeadAttention(HEADS, HIDDEN // HEADS)(hidden, hidden)
        hidden = keras.layers.LayerNormalization()(hidden + attended)
        inner = keras.layers.Dense(INTERMEDIATE, activation="gelu")(hidden)
        hidden = keras.layers.LayerNormalization()(hidden + keras.layers.Dense(HIDDEN)(inner))
    return keras.Model(ids, hidden)


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_quantized_error_is_that_of_keras_own_layers(mode):
    """Side by side: the relative error quantization causes in our backbone and in a stock Keras
    transformer of the same size, on the same ids (before the fix, ours was 1.2-1.5)."""
    ids = token_ids()
    keras.utils.set_random_seed(0)
    stock = stock_keras_transformer()
    stock_float = np.asarray(stock(ids))
    stock_error = relative_error(np.asarray(quantized(stock, mode)(ids)), stock_float)

    keras.utils.set_random_seed(0)
    ours = tfl.LongformerModel(config())
    inputs = {"input_ids": ids, "global_attention_mask": np.eye(LENGTH, dtype="int32")[[0, 0]]}
    ours_float = np.asarray(ours(inputs).last_hidden_state)
    ours_error = relative_error(np.asarray(quantized(ours, mode)(inputs).last_hidden_state), ours_float)
    assert 0 < ours_error <= 2 * stock_error, (mode, ours_error, stock_error)


@pytest.mark.parametrize("task", registry.tasks())
def test_every_head_quantizes_to_int8_with_a_small_error(task):
    cls = registry.model_class(task)
    keras.utils.set_random_seed(0)
    model = cls(config())
    ids = token_ids()
    if cls.spec.input_rank == 3:
        ids = np.stack([ids, token_ids(seed=1)], axis=1)
    name = next(iter(tfl.export.head_spec(model).outputs))
    want = np.asarray(model(input_ids=ids)[name])
    got = np.asarray(quantized(model, "int8")(input_ids=ids)[name])
    assert not any(fusion.fusable(layer) for layer in _dense_layers(model))
    assert relative_error(got, want) < 0.05, (task, name, relative_error(got, want))


def _dense_layers(model):
    return [layer for layer in _compat.flatten_layers(model) if isinstance(layer, keras.layers.Dense)]


def test_lora_on_some_layers_only_equals_the_merged_kernels():
    """LoRA on the last layer's local and global query/value only (other layers plain):
    the layers no longer share one traced function, and the numbers are those of the merged kernels."""
    keras.utils.set_random_seed(0)
    model = tfl.LongformerModel(config())
    inputs = {"input_ids": token_ids(), "global_attention_mask": np.eye(LENGTH, dtype="int32")[[0, 3]]}
    before = np.asarray(model(inputs).last_hidden_state)  # traced before LoRA: enabling it later works
    attention = model.encoder.layers[-1].attention.self_attention
    denses = [attention.query, attention.value, attention.query_global, attention.value_global]
    for dense in denses:
        dense.enable_lora(2)
    np.testing.assert_array_equal(np.asarray(model(inputs).last_hidden_state), before)  # B starts at zero
    rng = np.random.default_rng(1)
    for dense in denses:
        dense.lora_kernel_b.assign(rng.normal(size=dense.lora_kernel_b.shape).astype("float32") * 0.1)
    got = np.asarray(model(inputs).last_hidden_state)
    assert np.abs(got - before).max() > 1e-3
    keras.utils.set_random_seed(0)
    merged = tfl.LongformerModel(config())  # the same initial weights ...
    np.testing.assert_array_equal(np.asarray(merged(inputs).last_hidden_state), before)
    for plain, dense in zip(_dense_layers(merged), _dense_layers(model)):
        plain.kernel.assign(np.asarray(dense.kernel))  # ... with Keras' `kernel`: base + scale * A @ B
    np.testing.assert_allclose(got, np.asarray(merged(inputs).last_hidden_state), atol=1e-5, rtol=0)


def test_fit_trains_the_lora_factors_of_one_layer():
    keras.utils.set_random_seed(0)
    model = tfl.LongformerForTokenClassification(config())
    ids = token_ids(batch=4)
    model(input_ids=ids)
    attention = model.longformer.encoder.layers[0].attention.self_attention
    attention.query.enable_lora(2)
    attention.value.enable_lora(2)
    factors = [attention.query.lora_kernel_a, attention.query.lora_kernel_b]
    factors += [attention.value.lora_kernel_a, attention.value.lora_kernel_b]
    start = [np.asarray(v) for v in factors]
    for dense in (attention.query, attention.value):  # the base kernel is frozen, as Keras does
        assert [v.name for v in dense.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    labels = np.random.default_rng(2).integers(0, 2, ids.shape)
    model.fit({"input_ids": ids}, labels, epochs=2, batch_size=2, verbose=0)
    for variable, value in zip(factors, start):
        assert not np.allclose(np.asarray(variable), value), variable.path


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_quantized_model_saves_loads_and_exports_with_the_same_outputs(tmp_path, mode):
    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification(config())
    model.build()  # Keras quantizes built layers only
    quantized(model, mode)
    inputs = {"input_ids": token_ids(), "attention_mask": np.ones((2, LENGTH), "int32")}
    want = np.asarray(model(inputs).logits)

    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    assert sum(1 for layer in _dense_layers(reloaded) if layer.quantization_mode == mode) == len(_dense_layers(model))
    np.testing.assert_array_equal(np.asarray(reloaded(inputs).logits), want)

    model.export(str(tmp_path / "exported"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "exported"))
    np.testing.assert_allclose(np.asarray(reloaded.serve(inputs)["logits"]), want, atol=1e-5, rtol=0)


def _lora_classifier(task="sequence_classification", **overrides):
    keras.utils.set_random_seed(0)
    model = registry.model_class(task)(config(**overrides))
    model.build()
    model.enable_lora(2)
    return model


def test_enable_lora_freezes_the_backbone_but_its_lora_factors():
    model = _lora_classifier()
    trainable = {v.path for v in model.trainable_variables}
    targets = [layer for layer in _dense_layers(model.longformer) if layer.lora_enabled]
    assert sorted({layer.name for layer in targets}) == ["query", "query_global", "value", "value_global"]
    assert len(targets) == 4 * LAYERS
    want = {v.path for layer in targets for v in (layer.lora_kernel_a, layer.lora_kernel_b, layer.bias)}
    want |= {v.path for v in model.classifier.trainable_variables}  # the head keeps training
    assert trainable == want


@pytest.mark.parametrize("checkpointing", [False, True], ids=["plain", "gradient_checkpointing"])
def test_every_lora_factor_gets_a_gradient_and_fit_trains_only_them(checkpointing):
    # Token classification with a global <s>: every projection reaches the loss (a sequence
    # classifier's last layer reads only the global ones, for its <s>).
    model = _lora_classifier("token_classification", gradient_checkpointing=checkpointing)
    global_attention_mask = np.zeros((4, LENGTH), "int32")
    global_attention_mask[:, 0] = 1
    inputs = {"input_ids": token_ids(batch=4), "global_attention_mask": global_attention_mask}
    labels = np.random.default_rng(4).integers(0, 2, (4, LENGTH))
    with tf.GradientTape() as tape:
        loss = model(inputs, labels=labels, training=True).loss
    gradients = tape.gradient(loss, model.trainable_variables)
    for variable, gradient in zip(model.trainable_variables, gradients):
        if "lora_kernel_a" in variable.path:  # B starts at zero, so A's first gradient is zero too
            continue
        assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0, variable.path
    frozen = [np.asarray(v) for v in model.non_trainable_variables if "seed" not in v.path]
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(inputs, labels, epochs=2, batch_size=2, verbose=0)
    for variable, value in zip([v for v in model.non_trainable_variables if "seed" not in v.path], frozen):
        np.testing.assert_array_equal(np.asarray(variable), value, err_msg=variable.path)


def test_lora_model_saves_loads_and_exports_with_the_same_outputs(tmp_path):
    model = _lora_classifier()
    rng = np.random.default_rng(3)
    for variable in model.trainable_variables:  # as after some training
        variable.assign(rng.normal(size=variable.shape).astype("float32") * 0.05)
    inputs = {"input_ids": token_ids(), "attention_mask": np.ones((2, LENGTH), "int32")}
    want = np.asarray(model(inputs).logits)

    model.save(tmp_path / "lora.keras")
    reloaded = keras.models.load_model(tmp_path / "lora.keras")
    np.testing.assert_allclose(np.asarray(reloaded(inputs).logits), want, atol=1e-6, rtol=0)

    model.export(str(tmp_path / "exported"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "exported"))
    np.testing.assert_allclose(np.asarray(served.serve(inputs)["logits"]), want, atol=1e-5, rtol=0)
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert is not installed")
    path = tfl.export.tflite(model, str(tmp_path / "lora.tflite"))
    runner = litert.Interpreter(model_path=path).get_signature_runner("serving_auto_global")
    np.testing.assert_allclose(runner(**inputs)["logits"], want, atol=1e-4, rtol=0)
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    import onnxruntime

    path = tfl.export.onnx(model, str(tmp_path / "lora.onnx"), signature="serving_auto_global")
    (logits,) = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["logits"], inputs)
    np.testing.assert_allclose(logits, want, atol=1e-4, rtol=0)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"rank": 0}, "`rank` must be a positive int"),
        ({"rank": 2, "target_layer_names": ["qkv"]}, r"named \['qkv'\]"),
        ({"rank": 2, "target_layer_names": "query"}, "non-empty sequence"),
    ],
)
def test_bad_lora_arguments_change_nothing(arguments, message):
    keras.utils.set_random_seed(0)
    model = tfl.LongformerModel(config())
    model.build()
    before = len(model.trainable_variables)
    with pytest.raises(ValueError, match=message):
        model.enable_lora(**arguments)
    assert len(model.trainable_variables) == before
    assert not any(layer.lora_enabled for layer in _dense_layers(model))


def test_build_of_a_built_model_keeps_it_as_it_is():
    """`build()` then `quantize()`, Keras' usual order, on a model that was built already."""
    keras.utils.set_random_seed(0)
    model = tfl.LongformerForMaskedLM(config())
    inputs = {"input_ids": token_ids()}
    before = np.asarray(model(inputs).logits)
    weights = [id(v) for v in model.weights]
    model.build()
    assert [id(v) for v in model.weights] == weights
    np.testing.assert_array_equal(np.asarray(model(inputs).logits), before)


@pytest.mark.parametrize("mode", ["gptq", "awq"])
def test_calibrated_quantization_modes_are_refused_before_any_layer_changes(mode):
    model = tfl.LongformerForSequenceClassification(config())
    model.build()
    weights = [id(v) for v in model.weights]
    with pytest.raises(ValueError, match="Config` object"):  # Keras' own: these modes need a config
        model.quantize(mode)
    config_class = keras.quantizers.GPTQConfig if mode == "gptq" else keras.quantizers.AWQConfig
    calibration = config_class(dataset=["a b c"], tokenizer=lambda text: [[1, 2, 3]])
    with pytest.raises(ValueError, match=f"does not support quantization mode '{mode}'.*'int8'"):
        model.quantize(config=calibration)
    assert [id(v) for v in model.weights] == weights
    assert not any(layer.quantization_mode for layer in _dense_layers(model))
