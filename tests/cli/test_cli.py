"""The `tf-longformer` subcommands on the embedded default model, and their errors."""

import io
import json
import os

import numpy as np
import pytest

import tf_longformer_cli as cli
from tf_longformer import default_model

DEFAULT = default_model.default_model_dir()
SUBCOMMANDS = ("demo", "train", "predict", "convert", "export", "info", "bench")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_of_every_subcommand(capsys, command):
    with pytest.raises(SystemExit) as exit:
        cli.main([command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tf-longformer {command}") and len(out.splitlines()) > 5


@pytest.mark.parametrize(
    "argv",
    [
        ["nope"],
        ["info"],
        ["train", DEFAULT],
        ["train", DEFAULT, "x.jsonl", "-o", "o", "--epochs", "0"],
        ["demo", "--train", "-3"],
        ["convert"],
    ],
)
def test_bad_command_lines_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error:" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info", "/no/such/dir"], "No config.json"),
        (["predict", DEFAULT, "--task", "bogus"], "task must be one of"),
        (["train", DEFAULT, "x.jsonl", "-o", "out", "--task", "masked_lm"], "--task must be one of"),
        (["predict", "/no/such/model"], "No such"),
        (["convert", "/no/such/dir", "out"], "No such checkpoint"),
        (["train", DEFAULT, "/no/such.jsonl", "-o", "out"], "No such data file"),
        (["bench", "--repo", "/"], "no benchmarks/ folder"),
        (["demo", "--layers", "3"], "has only 2 layer(s)"),
    ],
)
def test_failures_exit_1_with_one_line(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and message in err


def test_info_of_the_default_model(capsys):
    code, out, _ = run(capsys, "info", DEFAULT)
    assert code == 0 and "LongformerForMaskedLM" in out and "64 in every layer" in out
    code, out, _ = run(capsys, "info", DEFAULT, "--json")
    info = json.loads(out)
    assert info["attention_windows"] == [64, 64] and info["max_sequence_length"] == 4096
    assert 300_000 < info["parameters"] < 1_000_000


def test_convert_to_keras_and_back(capsys, tmp_path):
    keras_file = str(tmp_path / "default.keras")
    back = str(tmp_path / "back")
    assert run(capsys, "convert", DEFAULT, keras_file)[0] == 0
    assert run(capsys, "convert", keras_file, back)[0] == 0
    from tf_longformer.checkpoints import files

    original = files.read_weights(os.path.join(DEFAULT, "model.safetensors"))
    converted = files.read_weights(os.path.join(back, "model.safetensors"))
    assert sorted(original) == sorted(converted)
    assert all((original[k] == converted[k]).all() for k in original)
    code, _, err = run(capsys, "convert", keras_file, back)  # exists: refused
    assert code == 1 and "--overwrite" in err
    code, out, _ = run(capsys, "info", keras_file, "--json")
    assert code == 0 and json.loads(out)["architecture"] == "LongformerForMaskedLM"


def test_convert_a_directory_copies_the_tokenizer(capsys, tmp_path):
    out_dir = str(tmp_path / "copy")
    code, out, _ = run(capsys, "convert", DEFAULT, out_dir)
    assert code == 0 and "tokenizer" in out
    assert os.path.isfile(os.path.join(out_dir, "tokenizer.json"))


def test_predict_masked_lm_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("the old <mask> crosses the bridge .\n\nthe guard wears <mask> .\n"))
    code, out, _ = run(capsys, "predict", DEFAULT, "--top-k", "3")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert len(lines[1]["masks"]) == 1 and len(lines[1]["masks"][0]["predictions"]) == 3


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A classifier fine-tuned for one epoch by `tf-longformer train`."""
    directory = tmp_path_factory.mktemp("train")
    data = directory / "data.jsonl"
    with open(data, "w") as f:
        for i in range(8):
            colour = ("red", "blue")[i % 2]
            f.write(json.dumps({"text": f"the river is old . the guard wears {colour} .", "label": colour}) + "\n")
    output = str(directory / "run")
    code = cli.main(
        [
            "train",
            DEFAULT,
            str(data),
            "-o",
            output,
            "--epochs",
            "1",
            "--max-length",
            "64",
            "--learning-rate",
            "1e-3",
            "--quiet",
        ]
    )
    assert code == 0
    return output, str(data)


def test_train_writes_checkpoints_and_a_loadable_model(trained, capsys):
    output, data = trained
    assert os.path.isfile(os.path.join(output, "checkpoint-epoch-1", "model.safetensors"))
    assert os.path.isfile(os.path.join(output, "tokenizer.json"))
    assert not os.path.exists(os.path.join(output, ".backup"))  # finished: the backup is removed
    code, out, _ = run(capsys, "info", output, "--json")
    assert json.loads(out)["id2label"] == {"0": "blue", "1": "red"}
    code, _, err = run(capsys, "train", DEFAULT, data, "-o", output)  # would overwrite a finished run
    assert code == 1 and "--overwrite" in err


def test_train_under_mixed_bfloat16_saves_float32_weights(trained, capsys, tmp_path, monkeypatch):
    import keras
    from safetensors import safe_open

    fitted_policies = []
    keras_fit = keras.Model.fit

    def fit(model, *args, **kwargs):
        fitted_policies.append(model.dtype_policy.name)
        return keras_fit(model, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    _, data = trained
    output = str(tmp_path / "bf16")
    argv = ["train", DEFAULT, data, "-o", output, "--epochs", "1", "--max-length", "64", "--quiet"]
    code, out, _ = run(capsys, *argv, "--dtype-policy", "mixed_bfloat16")
    assert code == 0 and np.isfinite(json.loads(out.splitlines()[-1])["loss"])
    assert fitted_policies == ["mixed_bfloat16"]
    with safe_open(os.path.join(output, "model.safetensors"), "np") as weights:
        assert {weights.get_tensor(name).dtype for name in weights.keys()} == {np.dtype("float32")}
    assert keras.config.dtype_policy().name == "float32"  # the process's policy is left alone


def test_train_question_answering_reads_long_contexts_in_windows(capsys, tmp_path):
    data = tmp_path / "qa.jsonl"
    with open(data, "w") as f:
        for i in range(6):
            colour = ("red", "blue")[i % 2]
            context = "the river is old . " * (3 + 6 * i) + f"the guard wears {colour} ."  # up to ~200 tokens
            answer = {"text": colour, "answer_start": context.rindex(colour)} if i % 2 else colour
            f.write(json.dumps({"question": "what does the guard wear ?", "context": context, "answer": answer}) + "\n")
    output = str(tmp_path / "qa")
    argv = ["train", DEFAULT, str(data), "-o", output, "--task", "question_answering", "--text-column", "context"]
    options = ("--max-length", "64", "--stride", "16", "--epochs", "1", "--gradient-checkpointing", "--quiet")
    code, out, err = run(capsys, *argv, *options)
    assert code == 0, err
    assert "6 question/context pairs, rows of up to 64 tokens, contexts read in windows sharing 16 tokens" in out
    assert np.isfinite(json.loads(out.splitlines()[-1])["loss"])
    assert os.path.isfile(os.path.join(output, "model.safetensors"))
    code, _, err = run(capsys, *argv, "--max-length", "64", "--stride", "59", "--overwrite")
    assert code == 1 and "--stride: `stride`" in err and "from 0 to 58 for rows of 64 tokens" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "train", DEFAULT, str(data), "-o", output, "--stride", "8")
    assert code == 1 and "--stride applies to --task question_answering only" in err


def test_train_rejects_bad_data(capsys, tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "a"}\n')
    code, _, err = run(capsys, "train", DEFAULT, str(data), "-o", str(tmp_path / "o"))
    assert code == 1 and "no column 'label'" in err


def test_predict_agrees_across_checkpoint_savedmodel_and_tflite(trained, capsys, tmp_path):
    output, data = trained
    code, _, _ = run(capsys, "export", output, str(tmp_path / "exports"), "--model-name", "cls")
    assert code == 0
    code, _, _ = run(capsys, "export", output, str(tmp_path / "cls.tflite"), "--format", "tflite")
    assert code == 0
    results = {}
    for name, model in (
        ("checkpoint", output),
        ("saved_model", str(tmp_path / "exports" / "cls")),
        ("tflite", str(tmp_path / "cls.tflite")),
    ):
        code, out, _ = run(capsys, "predict", model, data, "--tokenizer", output)
        assert code == 0, name
        results[name] = [json.loads(line) for line in out.splitlines()]
    assert len(results["checkpoint"]) == 8
    assert [r["label"] for r in results["checkpoint"]] == [r["label"] for r in results["saved_model"]]
    for a, b in zip(results["checkpoint"], results["tflite"]):  # label names from --tokenizer's config.json
        assert a["label"] == b["label"] and abs(a["probabilities"]["red"] - b["probabilities"]["red"]) < 1e-4


def test_export_with_text_serves_strings_as_predict_labels_them(trained, capsys, tmp_path):
    """`export --with-text`: the checkpoint's tokenizer goes into the graph; serving_text's
    input_ids are the tokenizer's and its logits pick the labels `predict` prints."""
    import numpy as np
    import tensorflow as tf

    from tf_longformer.tokenization import LongformerTokenizer

    output, data = trained
    code, out, _ = run(capsys, "export", output, str(tmp_path / "exports"), "--model-name", "cls", "--with-text")
    assert code == 0
    texts = [json.loads(line)["text"] for line in open(data)]
    served = tf.saved_model.load(out.strip()).signatures["serving_text"](text=tf.constant(texts))
    config = json.load(open(os.path.join(output, "config.json")))
    limit = config["max_position_embeddings"] - config["pad_token_id"] - 1
    tokenizer = LongformerTokenizer.from_pretrained(output)
    want = tokenizer(texts, truncation=True, max_length=limit, padding=True)["input_ids"]
    np.testing.assert_array_equal(served["input_ids"].numpy(), np.asarray(want))
    code, out, _ = run(capsys, "predict", output, data)
    labels = [json.loads(line)["label"] for line in out.splitlines()]
    names = config["id2label"]
    assert [names[str(i)] for i in served["logits"].numpy().argmax(-1)] == labels


def test_bench_runs_the_quick_suite(monkeypatch, capsys):
    from tf_longformer_cli import bench

    calls = []
    monkeypatch.setattr(bench.subprocess, "call", lambda command, cwd, stderr: calls.append((command, cwd)) or 0)
    code, out, _ = run(capsys, "bench")
    assert code == 0 and calls and calls[0][0][1:] == ["-m", "benchmarks.run", "--suite", "quick"]


def test_warnings_are_one_line_like_the_errors(capsys):
    import argparse
    import warnings

    def run_warning(args):
        warnings.warn("some weights\n   were not used", UserWarning, stacklevel=2)
        return 0

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # as a user's shell has it (pytest -W may say otherwise)
        assert cli.run_command(run_warning, argparse.Namespace(verbose=True), "tf-longformer x") == 0
    assert capsys.readouterr().err == "tf-longformer x: warning: some weights were not used\n"


def test_predict_reads_a_long_qa_context_in_windows_from_checkpoint_savedmodel_and_tflite(capsys, tmp_path):
    """A context many times the row length: every form reads it in the same windows and finds the same
    span; `export --with-text`'s serving_text finds it too."""
    import tensorflow as tf

    import export_cases as cases_lib
    import tf_longformer as tfl

    corpus = ["the guard wears red . the visitor wears blue . who is on duty ? the river is old ."] * 20
    tokenizer = tfl.LongformerTokenizer.train_new_from_iterator(corpus, vocab_size=300)
    checkpoint = str(tmp_path / "qa")
    cases_lib.make_model("question_answering", vocab_size=len(tokenizer)).save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    document = tmp_path / "report.txt"
    document.write_text("the guard is on duty . the visitor wears blue . " * 12)
    window = ("--max-length", "40", "--stride", "10", "--max-request-tokens", "1000")
    assert run(capsys, "export", checkpoint, str(tmp_path / "exports"), "--with-text", *window)[0] == 0
    assert run(capsys, "export", checkpoint, str(tmp_path / "qa.tflite"), "--format", "tflite")[0] == 0
    results = {}
    exported = os.path.join(str(tmp_path / "exports"), "longformer_for_question_answering")
    for form in (checkpoint, exported, str(tmp_path / "qa.tflite")):
        argv = ("predict", form, str(document), "--whole-file", "--question", "who is on duty ?", "--tokenizer")
        code, out, err = run(capsys, *argv, checkpoint, *window)
        assert code == 0, err
        results[form] = json.loads(out)
    answers = [(r["answer"], r["start"], r["end"], r["windows"]) for r in results.values()]
    assert len(set(answers)) == 1 and answers[0][3] >= 5, answers
    served = tf.saved_model.load(os.path.join(exported, "1")).signatures["serving_text"](
        question=tf.constant(["who is on duty ?"]), context=tf.constant([document.read_text()])
    )
    assert served["answer"][0].numpy().decode() == answers[0][0] and int(served["windows"][0]) == answers[0][3]
