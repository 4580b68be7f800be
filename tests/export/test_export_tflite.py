"""TFLite export: every head converts with TFLite builtins only and runs in LiteRT at any
length (resize_tensor_input and signature runners), matching the Keras model."""

import os

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (the dev extra) is not installed")
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """{name: (task, model, .tflite path)} for `cases_lib.export_models()`, converted once for the module."""
    base = tmp_path_factory.mktemp("tflite")
    return {
        name: (task, model, tfl.export.tflite(model, str(base / f"{name}.tflite")))
        for name, (task, model) in cases_lib.export_models().items()
    }


def op_names(interpreter):
    return {op["op_name"] for op in interpreter._get_ops_details()}


@pytest.mark.parametrize("model_name", [*cases_lib.HEADS, "question_answering_mixed_windows"])
def test_head_runs_in_litert_at_every_length(converted, model_name):
    task, model, path = converted[model_name]
    interpreter = litert.Interpreter(model_path=path)
    ops = op_names(interpreter)
    assert not any(name.startswith("Flex") or name == "CUSTOM" for name in ops), ops
    signatures = interpreter.get_signature_list()
    names = tfl.export.head_spec(model).outputs
    for signature, length, batch, inputs in cases_lib.cases(task):
        assert sorted(signatures[signature]["inputs"]) == sorted(inputs)
        assert sorted(signatures[signature]["outputs"]) == sorted(names)
        got = interpreter.get_signature_runner(signature)(**inputs)
        want = cases_lib.keras_outputs(model, inputs, names)
        for name in names:
            assert got[name].shape == want[name].shape, (signature, length, batch, name)
            diff = float(np.max(np.abs(got[name] - want[name])))
            assert diff <= TOLERANCE, f"{model_name} {signature} length={length} batch={batch} {name}: {diff}"


def test_resize_tensor_input_interface(converted):
    """The classic interface on a one-signature file: resize each input, allocate, set, invoke
    (as the README shows). Tensors are named "serving_default_<input>:0"."""
    _, model, path = converted["token_classification"]
    interpreter = litert.Interpreter(model_path=path)
    index = {d["name"][len("serving_default_") : -2]: d["index"] for d in interpreter.get_input_details()}
    assert sorted(index) == ["attention_mask", "global_attention_mask", "input_ids"]
    for length in (5, 3 * cases_lib.WINDOW, 2):
        inputs = cases_lib.make_inputs("token_classification", length, 3)
        for name, position in index.items():
            interpreter.resize_tensor_input(position, inputs[name].shape)
        interpreter.allocate_tensors()
        for name, position in index.items():
            interpreter.set_tensor(position, inputs[name])
        interpreter.invoke()
        logits = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        np.testing.assert_allclose(logits, model(**inputs).logits, atol=TOLERANCE, rtol=0)


def test_no_global_token_runs_with_xnnpack(converted):
    """A batch without any global token (zero-size tensors in a naive graph) runs under the
    default XNNPack delegate."""
    _, model, path = converted["base"]
    runner = litert.Interpreter(model_path=path).get_signature_runner()
    inputs = cases_lib.make_inputs("base", 13, 2)
    inputs["global_attention_mask"][:] = 0
    got = runner(**inputs)["last_hidden_state"]
    np.testing.assert_allclose(got, model(**inputs).last_hidden_state, atol=TOLERANCE, rtol=0)


def test_refuses_to_overwrite(converted):
    _, model, path = converted["token_classification"]
    before = os.path.getsize(path)
    with pytest.raises(tfl.export.ExportError, match="already exists"):
        tfl.export.tflite(model, path)
    assert os.path.getsize(path) == before
    assert [name for name in os.listdir(os.path.dirname(path)) if name.startswith(".")] == []


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_model_exports_its_float32_computation(tmp_path, policy):
    """Trained under mixed precision, exported through `model.export(format="litert")`: the file
    runs the float32 computation of the same weights (TFLite has no bfloat16 kernels)."""
    model = cases_lib.make_mixed_precision_model("question_answering", policy)
    reference = cases_lib.make_model("question_answering")
    path = model.export(str(tmp_path / "qa.tflite"), format="litert", verbose=False)
    runner = litert.Interpreter(model_path=path).get_signature_runner("serving_default")
    inputs = cases_lib.make_inputs("question_answering", 13, 3)
    got = runner(**inputs)
    for name in ("start_logits", "end_logits"):
        assert got[name].dtype == np.float32
        np.testing.assert_allclose(got[name], reference(**inputs)[name], atol=TOLERANCE, rtol=0)
    assert model.compute_dtype == policy.split("_")[1]  # the model itself is left as it was


def test_mixed_precision_model_with_custom_signatures_is_a_clear_error(tmp_path):
    model = cases_lib.make_mixed_precision_model("base", "mixed_bfloat16")
    custom = tf.function(
        lambda ids: model(input_ids=ids).last_hidden_state, input_signature=[tf.TensorSpec([1, 8], tf.int32)]
    )
    with pytest.raises(tfl.export.ExportError, match="float32_model"):
        tfl.export.tflite(model, tmp_path / "custom.tflite", signatures={"custom": custom})
    assert os.listdir(tmp_path) == []
