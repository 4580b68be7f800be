"""SavedModel export for TF Serving: layout, signatures, numbers in a process without
tf_longformer, saved_model_cli, refusing to overwrite, atomic writes."""

import importlib
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl

saved_model_module = importlib.import_module("tf_longformer.export.saved_model")
TOLERANCE = 1e-5
SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """{name: (task, model, version directory)} for `cases_lib.export_models()`, exported once for the module."""
    base = tmp_path_factory.mktemp("exports")
    return {
        name: (task, model, tfl.export.saved_model(model, str(base), model_name=name))
        for name, (task, model) in cases_lib.export_models().items()
    }


def test_layout_is_tf_serving(exported):
    for name, (_task, _model, path) in exported.items():
        assert path.endswith(os.path.join(name, "1"))
        assert os.path.isfile(os.path.join(path, "saved_model.pb"))
        assert os.path.isdir(os.path.join(path, "variables"))
        # Only the version directory: no temporary leftovers a server could pick up.
        assert os.listdir(os.path.dirname(path)) == ["1"]


def test_default_name_and_version(tmp_path):
    model = cases_lib.make_model("token_classification")
    path = tfl.export.saved_model(model, str(tmp_path), version=3, signatures=["serving_default"])
    assert path == os.path.join(str(tmp_path), "longformer_for_token_classification", "3")


def test_loaded_without_tf_longformer_matches_keras(exported, tmp_path):
    """tf.saved_model.load + serving_default (and serving_auto_global) in a fresh process
    that never imports tf_longformer: lengths 1, 7, w-1, w+1, 3w; batch 1 and 3."""
    calls, expected = {}, {}
    for name, (task, model, path) in exported.items():
        names = tfl.export.head_spec(model).outputs
        for index, (signature, length, batch, inputs) in enumerate(cases_lib.cases(task)):
            key = f"{name}/{index}"
            calls[key] = (path, f"signature:{signature}", inputs)
            expected[key] = (signature, length, batch, cases_lib.keras_outputs(model, inputs, names))
    got, signatures = cases_lib.run_with_plain_tensorflow(calls, tmp_path)
    for name, (task, _model, path) in exported.items():
        want = (
            ["serving_auto_global", "serving_default"] if task in cases_lib.AUTO_GLOBAL_HEADS else ["serving_default"]
        )
        assert signatures[path] == want, name
    for key, (signature, length, batch, outputs) in expected.items():
        for name, want in outputs.items():
            value = got[key][name]
            assert value.shape == want.shape, (key, name)
            assert value.dtype == np.float32
            diff = float(np.max(np.abs(value - want))) if want.size else 0.0
            assert diff <= TOLERANCE, f"{key} {signature} length={length} batch={batch} {name}: {diff}"


def test_saved_model_cli_show_and_run(exported, tmp_path):
    _, model, path = exported["question_answering"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    show = subprocess.run(
        [SAVED_MODEL_CLI, "show", "--dir", path, "--all"], capture_output=True, text=True, env=env, timeout=120
    )
    assert show.returncode == 0, show.stderr[-2000:]
    text = show.stdout
    default = text[text.index("signature_def['serving_default']") :]
    for name in ("input_ids", "attention_mask", "global_attention_mask"):
        block = re.search(rf"inputs\['{name}'\] tensor_info:\s+dtype: (\S+)\s+shape: (\([^)]*\))", default)
        assert block and block.groups() == ("DT_INT32", "(-1, -1)"), (name, default[:800])
    for name in ("start_logits", "end_logits"):
        assert re.search(rf"outputs\['{name}'\] tensor_info:\s+dtype: DT_FLOAT\s+shape: \(-1, -1\)", default)
    assert "signature_def['serving_auto_global']" in text

    inputs = cases_lib.make_inputs("question_answering", 2 * cases_lib.WINDOW + 3, 3)
    for name, value in inputs.items():
        np.save(tmp_path / f"{name}.npy", value)
    spec = ";".join(f"{name}={tmp_path / name}.npy" for name in inputs)
    run = subprocess.run(
        [
            SAVED_MODEL_CLI,
            "run",
            "--dir",
            path,
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            spec,
            "--outdir",
            str(tmp_path / "out"),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    want = cases_lib.keras_outputs(model, inputs, ("start_logits", "end_logits"))
    for name, value in want.items():
        np.testing.assert_allclose(np.load(tmp_path / "out" / f"{name}.npy"), value, atol=TOLERANCE, rtol=0)


def test_refuses_to_overwrite_unless_asked(exported):
    _, model, path = exported["token_classification"]
    base, name = os.path.dirname(os.path.dirname(path)), "token_classification"
    stamp = os.path.getmtime(os.path.join(path, "saved_model.pb"))
    with pytest.raises(tfl.export.ExportError, match="already exists.*overwrite=True"):
        tfl.export.saved_model(model, base, model_name=name)
    assert os.path.getmtime(os.path.join(path, "saved_model.pb")) == stamp
    again = tfl.export.saved_model(model, base, model_name=name, overwrite=True, signatures=["serving_default"])
    assert again == path and os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert sorted(os.listdir(os.path.dirname(path))) == ["1"]
    assert list(tf.saved_model.load(path).signatures) == ["serving_default"]


def test_interrupted_export_leaves_no_version_directory(tmp_path, monkeypatch):
    model = cases_lib.make_model("token_classification")

    def failing_write(module, directory, functions):
        os.makedirs(os.path.join(directory, "variables"))
        with open(os.path.join(directory, "saved_model.pb"), "wb") as stream:
            stream.write(b"half")
        raise KeyboardInterrupt  # killed mid-way

    monkeypatch.setattr(saved_model_module, "_write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        tfl.export.saved_model(model, str(tmp_path), model_name="m", version=2)
    assert os.listdir(tmp_path / "m") == []  # neither "2" nor a temporary directory

    # With overwrite, a failed export keeps the previous version intact.
    os.makedirs(tmp_path / "m" / "2")
    (tmp_path / "m" / "2" / "keep").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        tfl.export.saved_model(model, str(tmp_path), model_name="m", version=2, overwrite=True)
    assert sorted(os.listdir(tmp_path / "m")) == ["2"]
    assert (tmp_path / "m" / "2" / "keep").read_text() == "old"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(version=0), "version"),
        (dict(version="1"), "version"),
        (dict(model_name="a/b"), "model_name"),
        (dict(signatures=["serving_auto_global"]), "no built-in signature"),
        (dict(signatures="serving_default"), "signatures"),
    ],
)
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    model = tfl.LongformerForTokenClassification(cases_lib.tiny_config("token_classification"))
    with pytest.raises(tfl.export.ExportError, match=message):
        tfl.export.saved_model(model, str(tmp_path), **kwargs)
    assert not os.listdir(tmp_path)


def test_other_models_are_refused(tmp_path):
    import keras

    with pytest.raises(tfl.export.ExportError, match="tf_longformer model"):
        tfl.export.saved_model(keras.Sequential([keras.layers.Dense(1)]), str(tmp_path))


def test_custom_signature_is_exported_beside_the_builtin_ones(tmp_path):
    model = cases_lib.make_model("token_classification")

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="input_ids")])
    def predict_labels(input_ids):
        return {"labels": tf.argmax(model(input_ids=input_ids).logits, axis=-1, output_type=tf.int32)}

    path = tfl.export.saved_model(model, str(tmp_path), signatures={"labels": predict_labels})
    loaded = tf.saved_model.load(path)
    assert sorted(loaded.signatures) == ["labels", "serving_default"]
    ids = cases_lib.make_inputs("token_classification", 9, 2)["input_ids"]
    np.testing.assert_array_equal(
        loaded.signatures["labels"](input_ids=tf.constant(ids))["labels"],
        np.argmax(model(input_ids=ids).logits, axis=-1),
    )
    shutil.rmtree(path)
