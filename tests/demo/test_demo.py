"""The demo's task needs both ends of each document, and the demo's plumbing runs end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tf_longformer as tfl
from locations import ROOT
from tf_longformer.demo import synthetic
from tf_longformer.demo.plot import smooth
from tf_longformer.demo.run import PREFIX_TOKENS, _StepLosses, learning_rate_schedule


def test_gate_documents_are_balanced_and_labelled_by_both_ends():
    documents, labels = synthetic.gate_documents(40, seed=3)
    assert len(documents) == 40 and np.bincount(labels).tolist() == [10, 10, 10, 10]
    for document, label in zip(documents, labels):
        person, colour = synthetic.GATE_LABELS[label].removesuffix(" gate").split(" at the ")
        assert synthetic.GATE_LABELS.index(f"{person} at the {colour} gate") == label
        at_gate, colour_fact = synthetic.at_gate_sentence(person), synthetic.gate_colour_sentence(colour)
        assert document.count(at_gate) == 80 and document.count(colour_fact) == 80
        assert not any(synthetic.at_gate_sentence(other) in document for other in synthetic.PEOPLE if other != person)
        assert not any(
            synthetic.gate_colour_sentence(other) in document for other in synthetic.COLOURS if other != colour
        )
        assert document.rindex(at_gate) < document.index(colour_fact)


def test_gate_documents_are_seeded():
    assert synthetic.gate_documents(8, seed=1)[0] == synthetic.gate_documents(8, seed=1)[0]
    assert synthetic.gate_documents(8, seed=1)[0] != synthetic.gate_documents(8, seed=2)[0]


def test_gate_documents_rejects_an_opening_and_closing_longer_than_the_document():
    with pytest.raises(ValueError, match="must not exceed sentences"):
        synthetic.gate_documents(4, sentences=5, opening=3, closing=3)


def test_a_prefix_holds_who_is_at_the_gate_and_never_the_colour():
    """With the default tokenizer, the 512-token prefix the demo compares against has the opening only."""
    tokenizer = tfl.LongformerTokenizer.from_pretrained(tfl.default_model_dir())
    documents, labels = synthetic.gate_documents(64, seed=0)
    prefix = tokenizer(documents, truncation=True, max_length=PREFIX_TOKENS)["input_ids"]
    whole = tokenizer(documents)["input_ids"]
    for document, prefix_ids, whole_ids in zip(documents, prefix, whole):
        assert len(whole_ids) > 2 * PREFIX_TOKENS
        prefix_text = tokenizer.decode(prefix_ids, skip_special_tokens=True)
        person = next(p for p in synthetic.PEOPLE if synthetic.at_gate_sentence(p) in document)
        assert synthetic.at_gate_sentence(person) in prefix_text
        assert not any(colour in prefix_text.split() for colour in synthetic.COLOURS)


def test_the_learning_rate_warms_up_over_a_tenth_of_the_steps_then_decays_to_five_percent():
    schedule = learning_rate_schedule(2e-4, 1000)
    rates = [float(schedule(step)) for step in (0, 50, 100, 550, 1000)]
    assert rates[0] == 0.0
    np.testing.assert_allclose(rates[1:], [1e-4, 2e-4, 2e-4 * (0.05 + 0.95 * 0.5), 1e-5], rtol=1e-5)


def test_the_demo_runs_end_to_end_in_smoke_mode(tmp_path):
    """The README's first command (`tf-longformer demo`), shrunk: both fine-tunes, both exports and their checks."""
    process = subprocess.run(
        [sys.executable, "-m", "tf_longformer_cli", "demo", "--smoke", "--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert "oneDNN" not in process.stderr and "XNNPACK" not in process.stderr  # TensorFlow's log stays quiet
    assert "summary (smoke run" in process.stdout
    with open(tmp_path / "summary.json", encoding="utf-8") as f:
        summary = json.load(f)
    assert list(summary["runs"]) == ["long (4096)", f"prefix ({PREFIX_TOKENS})"]
    assert summary["exports"]["saved_model_same_predictions"] == summary["exports"]["rows"]
    assert summary["exports"]["tflite_same_predictions"] == summary["exports"]["rows"]
    assert summary["total_seconds"] > 0 and summary["seed"] == 0


def test_the_loss_curve_has_each_steps_loss_not_the_epochs_running_mean():
    """Keras logs the running mean weighted by batch size; the callback recovers each step's loss."""
    step_losses = [[2.0, 1.0, 3.0], [0.5, 0.25, 4.0]]  # two epochs of batches of 4, 4 and 2 examples
    sizes = [4, 4, 2]
    callback = _StepLosses(lambda: 0.0, examples=10, batch_size=4)
    for epoch, losses in enumerate(step_losses):
        callback.on_epoch_begin(epoch)
        for batch in range(3):
            mean = sum(s * x for s, x in zip(sizes[: batch + 1], losses)) / sum(sizes[: batch + 1])
            callback.on_train_batch_end(batch, {"loss": np.float32(mean)})
    np.testing.assert_allclose(callback.losses, step_losses[0] + step_losses[1], rtol=1e-6)


def test_smoothing_keeps_a_constant_and_follows_a_step():
    assert smooth([3.0] * 5) == pytest.approx([3.0] * 5)
    stepped = smooth([0.0] * 20 + [1.0] * 60)
    assert stepped[19] == 0.0 and 0.0 < stepped[25] < 1.0 and stepped[-1] == pytest.approx(1.0, abs=0.01)
