"""The standard Keras / TensorFlow idioms on every model: `summary()`, `compute_output_shape`,
`count_params`, `build(shape)`, `model.export`, `keras.export.ExportArchive` and
`tf.saved_model.save`, each export served by TensorFlow alone."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl

TASKS = list(cases_lib.HEADS)
UNTRACED_LENGTH = 21  # no export below is traced at a fixed length; this one is used nowhere else
TOLERANCE = 1e-5


def _outputs_by_name(model, inputs):
    return cases_lib.keras_outputs(model, inputs, tfl.export.head_spec(model).outputs)


@pytest.mark.parametrize("task", TASKS)
def test_summary_shapes_and_parameter_count(task):
    model = cases_lib.make_model(task)
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    text = "\n".join(lines)
    for layer in model.layers:
        assert layer.name in text
    assert f"Total params: {model.count_params():,}" in text
    assert model.count_params() == sum(int(np.prod(v.shape)) for v in model.weights)

    inputs = cases_lib.make_inputs(task, 9, 2)
    got = model(**inputs)
    for shape_argument in (inputs["input_ids"].shape, {name: value.shape for name, value in inputs.items()}):
        shapes = model.compute_output_shape(shape_argument)
        assert set(shapes) == set(tfl.export.head_spec(model).outputs)
        for name, shape in shapes.items():
            assert tuple(shape) == tuple(got[name].shape), (name, shape)
    free = model.compute_output_shape(None)
    assert all(dim is None or isinstance(dim, int) for shape in free.values() for dim in shape)


@pytest.mark.parametrize("task", ["base", "question_answering", "multiple_choice"])
def test_build_with_a_real_shape_gives_the_same_model(task):
    reference = cases_lib.make_model(task)
    model = cases_lib.HEADS[task](cases_lib.tiny_config(task))
    shape = (2, 3, 9) if task == "multiple_choice" else (2, 9)
    model.build(shape)
    assert model.built
    assert [v.shape for v in model.weights] == [v.shape for v in reference.weights]
    model.set_weights(reference.get_weights())
    inputs = cases_lib.make_inputs(task, 13, 1)  # another length than the build shape
    for name, want in _outputs_by_name(reference, inputs).items():
        np.testing.assert_allclose(_outputs_by_name(model, inputs)[name], want, atol=1e-6)


def _serving_signature(task):
    rank = 3 if task == "multiple_choice" else 2
    return [tf.TensorSpec([None] * rank, tf.int32, name=name) for name in tfl.export.signatures.INPUT_NAMES]


def _export_all_ways(model, task, directory):
    """{way: (SavedModel dir, endpoint)} for each standard route, `model` never called before."""
    ways = {}
    model.export(str(directory / "model_export"), verbose=False)
    ways["model.export"] = (directory / "model_export", "signature:serving_default")
    ways["model.export serve"] = (directory / "model_export", "attribute:serve")

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve",
        lambda input_ids, attention_mask, global_attention_mask: model(
            input_ids=input_ids, attention_mask=attention_mask, global_attention_mask=global_attention_mask
        ),
        input_signature=_serving_signature(task),
    )
    archive.write_out(str(directory / "archive"), verbose=False)
    ways["ExportArchive"] = (directory / "archive", "signature:serving_default")

    tf.saved_model.save(model, str(directory / "tf_save"))
    ways["tf.saved_model.save"] = (directory / "tf_save", "signature:serving_default")

    serve = tf.function(
        lambda input_ids, attention_mask, global_attention_mask: {
            name: value
            for name, value in model(
                input_ids=input_ids, attention_mask=attention_mask, global_attention_mask=global_attention_mask
            ).items()
        },
        input_signature=_serving_signature(task),
    )
    tf.saved_model.save(model, str(directory / "tf_save_signatures"), signatures={"serving_default": serve})
    ways["tf.saved_model.save(signatures=)"] = (directory / "tf_save_signatures", "signature:serving_default")
    return ways


def test_every_standard_export_is_served_by_tensorflow_alone(tmp_path):
    calls, expected, exports = {}, {}, {}
    for task in TASKS:
        model = cases_lib.make_model(task)
        inputs = cases_lib.make_inputs(task, UNTRACED_LENGTH, 3)
        directory = tmp_path / task
        directory.mkdir()
        exports[task] = _export_all_ways(model, task, directory)
        want = _outputs_by_name(model, inputs)
        for way, (path, endpoint) in exports[task].items():
            calls[f"{task}/{way}"] = (path, endpoint, inputs)
            expected[f"{task}/{way}"] = want
    got, signatures = cases_lib.run_with_plain_tensorflow(calls, tmp_path)
    for key, want in expected.items():
        for name, value in want.items():
            assert got[key][name].shape == value.shape, (key, name)
            diff = float(np.max(np.abs(got[key][name] - value)))
            assert diff <= TOLERANCE, f"{key} {name}: {diff}"
    for task in TASKS:
        path = exports[task]["model.export"][0]
        auto = ["serving_auto_global"] if task in cases_lib.AUTO_GLOBAL_HEADS else []
        assert signatures[str(path)] == sorted(auto + ["serving_default"]), task


def test_model_export_signature_is_int32_with_free_batch_and_length(tmp_path, capsys):
    model = cases_lib.make_model("question_answering")
    model.export(str(tmp_path / "qa"))
    printed = capsys.readouterr().out
    assert "serving_default(input_ids, attention_mask, global_attention_mask) -> end_logits, start_logits" in printed
    function = tf.saved_model.load(str(tmp_path / "qa")).signatures["serving_default"]
    specs = function.structured_input_signature[1]
    assert sorted(specs) == sorted(tfl.export.signatures.INPUT_NAMES)
    for spec in specs.values():
        assert spec.dtype == tf.int32 and spec.shape.as_list() == [None, None]
    assert sorted(function.structured_outputs) == ["end_logits", "start_logits"]


def test_model_export_serve_takes_what_the_model_takes(tmp_path):
    """Keras' convention: `reloaded.serve(x)` with the dict `model(x)` takes (the masks
    optional, meaning what they mean in the model), or the same as keywords."""
    calls, expected = {}, {}
    for task in ("question_answering", "masked_lm", "multiple_choice"):
        model = cases_lib.make_model(task)
        path = tmp_path / task
        model.export(str(path), verbose=False)
        full = cases_lib.make_inputs(task, UNTRACED_LENGTH, 3)
        for names in (["input_ids"], ["input_ids", "attention_mask"], list(full)):
            inputs = {name: full[name] for name in names}
            want = _outputs_by_name(model, inputs)
            for form, endpoint in (("dict", "call:serve"), ("keywords", "attribute:serve")):
                key = f"{task}/{'+'.join(names)}/{form}"
                calls[key] = (path, endpoint, inputs)
                expected[key] = want
    got, _ = cases_lib.run_with_plain_tensorflow(calls, tmp_path)
    for key, want in expected.items():
        for name, value in want.items():
            np.testing.assert_allclose(got[key][name], value, atol=TOLERANCE, rtol=0, err_msg=f"{key} {name}")


def test_model_export_replaces_an_existing_directory_atomically(tmp_path):
    model = cases_lib.make_model("sequence_classification")
    target = tmp_path / "export"
    target.mkdir()
    (target / "stale.txt").write_text("from an earlier export")
    model.export(str(target), verbose=False)
    assert not (target / "stale.txt").exists()
    assert (target / "saved_model.pb").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # no temporary left beside it


def test_model_export_with_an_input_signature_is_keras_own(tmp_path):
    """A user-given `input_signature` goes through Keras' export of `model(*inputs)`."""
    model = cases_lib.make_model("token_classification")
    model.export(str(tmp_path / "fixed"), input_signature=_serving_signature("token_classification"), verbose=False)
    inputs = cases_lib.make_inputs("token_classification", UNTRACED_LENGTH, 2)
    loaded = tf.saved_model.load(str(tmp_path / "fixed"))
    got = loaded.serve(*[tf.constant(inputs[name]) for name in tfl.export.signatures.INPUT_NAMES])
    np.testing.assert_allclose(got["logits"].numpy(), _outputs_by_name(model, inputs)["logits"], atol=TOLERANCE)


def test_model_export_litert_is_the_builtin_ops_tflite_export(tmp_path):
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (the dev extra) is not installed")
    model = cases_lib.make_model("question_answering")
    path = tmp_path / "qa.tflite"
    path.write_bytes(b"an older file")  # replaced, as Keras' export does
    assert model.export(str(path), format="litert", verbose=False) == str(path)
    interpreter = litert.Interpreter(model_path=str(path))
    assert sorted(interpreter.get_signature_list()) == ["serving_auto_global", "serving_default"]
    inputs = cases_lib.make_inputs("question_answering", UNTRACED_LENGTH, 2)
    got = interpreter.get_signature_runner("serving_default")(**inputs)
    for name, want in _outputs_by_name(model, inputs).items():
        np.testing.assert_allclose(got[name], want, atol=1e-4)
