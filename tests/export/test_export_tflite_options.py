"""TFLite export options: quantisation (measured tolerances), a fixed length, the Flex-op
error, argument checks."""

import importlib
import os

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl

tflite_lib = importlib.import_module("tf_longformer.export.tflite")  # the module; tfl.export.tflite is the function

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (the dev extra) is not installed")

# Measured on this model (hidden 64, 2 layers, random init), max |diff| of last_hidden_state
# (values up to ~3.3) vs TF float32 over the cases below: float32 7e-7, float16 1.3e-3,
# dynamic_int8 1.4e-2. The limits are about 4x those.
QUANTIZED = {None: 1e-4, "float16": 5e-3, "dynamic_int8": 5e-2}


@pytest.fixture(scope="module")
def model():
    return cases_lib.make_model(
        "base", hidden_size=64, intermediate_size=128, num_attention_heads=4, num_hidden_layers=2, vocab_size=512
    )


@pytest.fixture(scope="module")
def files(model, tmp_path_factory):
    base = tmp_path_factory.mktemp("quantized")
    return {
        quantize: tfl.export.tflite(model, str(base / f"{quantize}.tflite"), quantize=quantize)
        for quantize in QUANTIZED
    }


def test_quantized_files_are_smaller_and_close(model, files):
    # Measured against the float32 weights (not the file: on this tiny model the graph itself
    # is a large, fixed share of the file): float16 halves every float weight (0.485 of the
    # weight bytes saved), dynamic int8 quarters the matmul kernels (0.62 saved; embeddings,
    # biases and LayerNorm stay float32).
    sizes = {quantize: os.path.getsize(path) for quantize, path in files.items()}
    weight_bytes = 4 * model.count_params()
    assert sizes[None] - sizes["float16"] > 0.45 * weight_bytes
    assert sizes[None] - sizes["dynamic_int8"] > 0.55 * weight_bytes
    for quantize, path in files.items():
        runner = litert.Interpreter(model_path=path).get_signature_runner()
        for length in (7, 3 * cases_lib.WINDOW):
            inputs = cases_lib.make_inputs("base", length, 3)
            inputs["input_ids"] = (inputs["input_ids"] * 7) % 512
            got = runner(**inputs)["last_hidden_state"]
            diff = float(np.max(np.abs(got - model(**inputs).last_hidden_state)))
            assert diff <= QUANTIZED[quantize], f"{quantize} length={length}: {diff}"


def test_fixed_length_with_padding_matches_dynamic(model, tmp_path):
    path = tfl.export.tflite(
        model, str(tmp_path / "fixed.tflite"), max_sequence_length=16, signatures=["serving_default"]
    )
    runner = litert.Interpreter(model_path=path).get_signature_runner()
    inputs = cases_lib.make_inputs("base", 11, 2)
    padded = {name: np.pad(value, [(0, 0), (0, 5)]) for name, value in inputs.items()}
    padded["input_ids"][:, 11:] = 1  # pad_token_id
    got = runner(**padded)["last_hidden_state"][:, :11]
    np.testing.assert_allclose(got, model(**inputs).last_hidden_state, atol=1e-4, rtol=0)
    with pytest.raises(Exception):  # noqa: B017 (LiteRT's error type differs by version)
        runner(**inputs)  # the length is fixed now


def test_flex_op_is_an_error_naming_the_op(tmp_path):
    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([None, 3, 3], tf.float32, name="x")])
    def serve(x):
        return {"s": tf.linalg.svd(x, compute_uv=False)}

    tf.saved_model.save(module, str(tmp_path / "sm"), signatures={"serving_default": serve.get_concrete_function()})
    with pytest.raises(tfl.export.ExportError, match=r"builtin ops only.*Unsupported ops: .*tf\.Svd"):
        tflite_lib.convert_saved_model(str(tmp_path / "sm"), ["serving_default"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(quantize="int4"), "quantize"),
        (dict(max_sequence_length=0), "max_sequence_length"),
        (dict(max_sequence_length=10_000), "max_sequence_length"),
    ],
)
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    model = tfl.LongformerModel(cases_lib.tiny_config())
    with pytest.raises(tfl.export.ExportError, match=message):
        tfl.export.tflite(model, str(tmp_path / "m.tflite"), **kwargs)
    assert not os.listdir(tmp_path)
