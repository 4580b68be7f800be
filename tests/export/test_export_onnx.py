"""ONNX export through tf2onnx, run with onnxruntime at several lengths (the `onnx` extra)."""

import importlib
import os
import sys

import numpy as np
import pytest

import export_cases as cases_lib
import tf_longformer as tfl

onnx_lib = importlib.import_module("tf_longformer.export.onnx")  # the module; tfl.export.onnx is the function
TOLERANCE = 1e-5


def test_missing_tf2onnx_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # "import tf2onnx" raises ImportError
    model = tfl.LongformerModel(cases_lib.tiny_config())
    with pytest.raises(tfl.export.ExportError, match=r"needs tf2onnx.*tf_longformer\[onnx\]"):
        tfl.export.onnx(model, str(tmp_path / "m.onnx"))
    assert not os.listdir(tmp_path)


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("tf2onnx", reason="tf2onnx is not installed (pip install 'tf_longformer[onnx]')")
    return pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'tf_longformer[onnx]')")


SIGNATURES = [(task, "serving_default") for task in cases_lib.HEADS]
SIGNATURES += [(task, "serving_auto_global") for task in cases_lib.AUTO_GLOBAL_HEADS]


@pytest.mark.parametrize(
    "task, signature, overrides",
    [pytest.param(task, signature, {}, id=f"{task}-{signature}") for task, signature in SIGNATURES]
    + [
        pytest.param(
            "question_answering", "serving_auto_global", cases_lib.MIXED_WINDOWS, id="question_answering-mixed_windows"
        ),
    ],
)
def test_runs_in_onnxruntime_at_every_length(ort, tmp_path, task, signature, overrides):
    model = cases_lib.make_model(task, **overrides)
    assert model.config.num_hidden_layers >= 2
    path = tfl.export.onnx(model, str(tmp_path / f"{task}.onnx"), signature=signature)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rank = 3 if task == "multiple_choice" else 2
    dims = ["batch", "num_choices", "length"][-rank:] if rank == 3 else ["batch", "length"]
    for graph_input in session.get_inputs():
        assert graph_input.type == "tensor(int32)" and graph_input.shape == dims, graph_input
    names = [output.name for output in session.get_outputs()]
    assert sorted(names) == sorted(tfl.export.head_spec(model).outputs)
    checked = 0
    for case_signature, length, batch, inputs in cases_lib.cases(task):
        if case_signature != signature:
            continue
        got = dict(zip(names, session.run(None, inputs)))
        want = cases_lib.keras_outputs(model, inputs, names)
        for name in names:
            diff = float(np.max(np.abs(got[name] - want[name])))
            assert diff <= TOLERANCE, f"{task} length={length} batch={batch} {name}: {diff}"
        checked += 1
    assert checked == len(cases_lib.lengths()) * len(cases_lib.BATCHES)


def test_mixed_bfloat16_model_exports_its_float32_computation(ort, tmp_path):
    """tf2onnx cannot convert bfloat16 graphs (it used to write a file onnxruntime refuses):
    the export converts a float32 copy with the same weights."""
    model = cases_lib.make_mixed_precision_model("sequence_classification", "mixed_bfloat16")
    path = tfl.export.onnx(model, str(tmp_path / "classifier.onnx"))
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = cases_lib.make_inputs("sequence_classification", 13, 3)
    (logits,) = session.run(["logits"], inputs)
    want = cases_lib.make_model("sequence_classification")(**inputs).logits
    np.testing.assert_allclose(logits, want, atol=TOLERANCE, rtol=0)


def test_refuses_to_overwrite_and_unknown_signature(ort, tmp_path):
    model = cases_lib.make_model("token_classification")
    (tmp_path / "m.onnx").write_bytes(b"old")
    with pytest.raises(tfl.export.ExportError, match="already exists"):
        tfl.export.onnx(model, str(tmp_path / "m.onnx"))
    assert (tmp_path / "m.onnx").read_bytes() == b"old"
    with pytest.raises(tfl.export.ExportError, match="no built-in signature"):
        tfl.export.onnx(model, str(tmp_path / "n.onnx"), signature="serving_auto_global")
