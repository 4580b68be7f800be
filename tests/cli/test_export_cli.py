"""`tf-longformer export` / `python -m tf_longformer export`: help, one-line errors, real exports."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer_cli as cli


def run_main(capsys, *argv):
    """(exit code, stdout, stderr) of cli.main(argv), in-process."""
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    model = cases_lib.make_model("question_answering")
    path = str(tmp_path_factory.mktemp("ckpt") / "qa")
    model.save_pretrained(path)
    return model, path


def test_help_lists_the_export_subcommand(capsys):
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and "export" in out
    code, out, _ = run_main(capsys, "export", "--help")
    assert code == 0
    for option in (
        "--format",
        "--task",
        "--model-name",
        "--version",
        "--quantize",
        "--max-sequence-length",
        "--overwrite",
        "saved_model",
        "tflite",
        "onnx",
    ):
        assert option in out


@pytest.mark.parametrize(
    "argv, message",
    [
        ((), "the following arguments are required: COMMAND"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("export",), "the following arguments are required: checkpoint, output"),
        (("export", "ckpt", "out", "--format", "pb"), "argument --format/-f: invalid choice: 'pb'"),
        (("export", "ckpt", "out", "--version", "0"), "argument --version: expected a positive integer"),
        (("export", "ckpt", "out", "--quantize", "int4"), "argument --quantize: invalid choice"),
    ],
)
def test_bad_command_lines_are_one_line_errors(capsys, argv, message):
    code, out, err = run_main(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and err.startswith("tf-longformer")


@pytest.mark.parametrize(
    "extra, message",
    [
        (("--task", "summarization"), "--task must be auto or one of"),
        (("--format", "tflite", "--model-name", "x"), "--model-name and --version apply to --format saved_model only"),
        (("--quantize", "float16"), "--quantize and --max-sequence-length apply to --format tflite only"),
        (("--format", "tflite", "--with-text"), "--with-text applies to --format saved_model only"),
        (("--format", "onnx", "--with-text"), "onnx files keep their token-id inputs"),
        (("--with-text",), "has no tokenizer.json or vocab.json"),
        (("--max-length", "16"), "--max-length, --stride and --max-request-tokens apply to --with-text only"),
        (("--stride", "8"), "apply to --with-text only"),
    ],
)
def test_bad_combinations_are_one_line_errors(capsys, checkpoint, tmp_path, extra, message):
    code, out, err = run_main(capsys, "export", checkpoint[1], str(tmp_path / "out"), *extra)
    assert code == 1 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not os.path.exists(tmp_path / "out")


def test_missing_checkpoint_is_a_one_line_error(capsys, tmp_path):
    code, _, err = run_main(capsys, "export", str(tmp_path / "nowhere"), str(tmp_path / "out"), "--task", "base")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("tf-longformer export: error:") and "nowhere" in err


def test_exports_saved_model_as_a_module_command(checkpoint, tmp_path):
    """`python -m tf_longformer export` in a fresh process; the task comes from config.json."""
    model, path = checkpoint
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    argv = [
        sys.executable,
        "-m",
        "tf_longformer",
        "export",
        path,
        str(tmp_path),
        "--model-name",
        "qa",
        "--version",
        "7",
    ]
    run = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    version_dir = os.path.join(str(tmp_path), "qa", "7")
    assert run.stdout.strip().splitlines()[-1] == version_dir
    loaded = tf.saved_model.load(version_dir)
    inputs = cases_lib.make_inputs("question_answering", 11, 3)
    got = loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in inputs.items()})
    np.testing.assert_allclose(got["start_logits"], model(**inputs).start_logits, atol=1e-5, rtol=0)
    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 1 and "already exists" in again.stderr
    # Our one message; TensorFlow's own start-up log lines (e.g. `E0000 ... cuInit` with the
    # GPU build on a machine without a GPU) are the runtime's, not ours.
    ours = [line for line in again.stderr.splitlines() if line.startswith("tf-longformer")]
    assert len(ours) == 1 and ours[0].startswith("tf-longformer export: error:") and "already exists" in ours[0], (
        again.stderr
    )


def test_exports_tflite(capsys, checkpoint, tmp_path):
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert is not installed")
    model, path = checkpoint
    target = str(tmp_path / "qa.tflite")
    code, out, err = run_main(capsys, "export", path, target, "--format", "tflite")
    assert code == 0, err
    assert out.strip() == target
    runner = litert.Interpreter(model_path=target).get_signature_runner("serving_auto_global")
    inputs = cases_lib.make_inputs("question_answering", 9, 2, with_global=False)
    np.testing.assert_allclose(runner(**inputs)["end_logits"], model(**inputs).end_logits, atol=1e-4, rtol=0)


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "tf-longformer")
    if not os.path.exists(script):
        pytest.skip("the tf-longformer console script is not installed (pip install -e .)")
    run = subprocess.run([script, "export", "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "--format" in run.stdout
