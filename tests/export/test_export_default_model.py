"""A user's first exports: the embedded default model (a 2-layer masked LM) through every route,
each run where it will be served and compared with the Keras model."""

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl
import tf_longformer_cli as cli

TOLERANCE = 1e-4
TEXTS = [
    "the guard is at the gate .",
    "the gate is red . " * 20,  # past the 64-token window: two window blocks
]


@pytest.fixture(scope="module")
def default_model():
    directory = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(directory)
    model = tfl.LongformerForMaskedLM.from_pretrained(directory)
    assert model.config.num_hidden_layers >= 2  # what is shared between layers is exported
    return directory, tokenizer, model


def id_inputs(tokenizer, texts):
    encoding = tokenizer(texts, padding=True)
    ids = np.asarray(encoding["input_ids"], np.int32)
    global_attention_mask = np.zeros_like(ids)
    global_attention_mask[:, 0] = 1  # global attention on <s>
    return {
        "input_ids": ids,
        "attention_mask": np.asarray(encoding["attention_mask"], np.int32),
        "global_attention_mask": global_attention_mask,
    }


def assert_logits_match(got, model, inputs):
    want = np.asarray(model(**inputs).logits)
    assert got.shape == want.shape
    diff = float(np.max(np.abs(got - want)))
    assert diff <= TOLERANCE, diff


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out.strip().splitlines()[-1]


def test_saved_model_with_text_from_the_command_line(default_model, capsys, tmp_path):
    directory, tokenizer, model = default_model
    version_dir = run_cli(capsys, "export", directory, str(tmp_path), "--with-text")
    inputs = id_inputs(tokenizer, TEXTS)
    calls = {
        "ids": (version_dir, "signature:serving_default", inputs),
        "text": (version_dir, "signature:serving_text", {"text": np.array(TEXTS)}),
    }
    got, _ = cases_lib.run_with_plain_tensorflow(calls, tmp_path)
    assert_logits_match(got["ids"]["logits"], model, inputs)
    np.testing.assert_array_equal(got["text"]["input_ids"], inputs["input_ids"])
    no_global = {name: inputs[name] for name in ("input_ids", "attention_mask")}
    assert_logits_match(got["text"]["logits"], model, no_global)


def test_keras_model_export(default_model, tmp_path):
    _, tokenizer, model = default_model
    path = str(tmp_path / "keras_export")
    model.export(path, verbose=False)
    inputs = id_inputs(tokenizer, TEXTS)
    reloaded = tf.saved_model.load(path)
    assert_logits_match(reloaded.serve(inputs)["logits"].numpy(), model, inputs)


def test_tflite_from_the_command_line(default_model, capsys, tmp_path):
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (the dev extra) is not installed")
    directory, tokenizer, model = default_model
    path = run_cli(capsys, "export", directory, str(tmp_path / "default.tflite"), "--format", "tflite")
    runner = litert.Interpreter(model_path=path).get_signature_runner("serving_default")
    for texts in (TEXTS, TEXTS[:1]):
        inputs = id_inputs(tokenizer, texts)
        assert_logits_match(runner(**inputs)["logits"], model, inputs)


def test_onnx_from_the_command_line(default_model, capsys, tmp_path):
    pytest.importorskip("tf2onnx", reason="tf2onnx is not installed (pip install 'tf_longformer[onnx]')")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'tf_longformer[onnx]')")
    directory, tokenizer, model = default_model
    path = run_cli(capsys, "export", directory, str(tmp_path / "default.onnx"), "--format", "onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for texts in (TEXTS, TEXTS[:1]):
        inputs = id_inputs(tokenizer, texts)
        (logits,) = session.run(["logits"], inputs)
        assert_logits_match(logits, model, inputs)
