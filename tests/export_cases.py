"""Tiny models and input batches shared by the export tests (tests/export/test_export_*.py)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np

import tf_longformer as tfl
from tf_longformer.models import registry

VOCAB = 40
SEP = 2  # LongformerConfig's default sep_token_id
WINDOW = 8  # the largest attention window: inputs are padded to a multiple of it
LENGTHS = (1, 7, WINDOW - 1, WINDOW + 1, 3 * WINDOW)
BATCHES = (1, 3)
HEADS = {task: registry.model_class(task) for task in registry.tasks()}
AUTO_GLOBAL_HEADS = tuple(task for task, cls in HEADS.items() if cls.spec.automatic_global)
# Three layers whose first and last share one traced layer function and whose middle one has its own.
MIXED_WINDOWS = dict(num_hidden_layers=3, attention_window=[WINDOW, 2 * WINDOW, WINDOW])


def tiny_config(task="base", **overrides):
    values = dict(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        attention_window=WINDOW,
        max_position_embeddings=80,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=2 if task == "question_answering" else 3,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


def make_model(task, seed=0, **overrides):
    keras.utils.set_random_seed(seed)
    model = HEADS[task](tiny_config(task, **overrides))
    model.build()
    return model


def export_models():
    """{name: (task, model)}: every head (two layers), and a question-answering model with `MIXED_WINDOWS`."""
    models = {task: (task, make_model(task)) for task in HEADS}
    models["question_answering_mixed_windows"] = (
        "question_answering",
        make_model("question_answering", **MIXED_WINDOWS),
    )
    return models


def make_mixed_precision_model(task, policy, seed=0):
    """`make_model(task, seed)`'s weights in a model built under the `policy` dtype policy."""
    model = HEADS[task](tiny_config(task), dtype=policy)
    model.build()
    model.set_weights(make_model(task, seed).get_weights())
    return model


def lengths():
    return sorted(set(LENGTHS))


def make_inputs(task, length, batch, seed=0, with_global=True):
    """int32 inputs: a separator at position min(3, length - 1) of every row (so automatic
    global attention applies), padding at the end of row 1, global tokens on some rows."""
    rng = np.random.default_rng(seed * 1000 + length * 10 + batch)
    shape = (batch, 2, length) if HEADS[task].spec.input_rank == 3 else (batch, length)
    ids = rng.integers(3, VOCAB, size=shape).astype(np.int32)
    ids[..., 0] = 0
    ids[..., min(3, length - 1)] = SEP
    mask = np.ones_like(ids)
    if batch > 1 and length > 4:
        mask[1, ..., -2:] = 0
        ids[1, ..., -2:] = 1
    inputs = {"input_ids": ids, "attention_mask": mask}
    if with_global:
        global_mask = np.zeros_like(ids)
        global_mask[0, ..., 0] = 1
        if batch > 2:
            global_mask[2, ..., [min(1, length - 1), length - 1]] = 1
        inputs["global_attention_mask"] = global_mask
    return inputs


def cases(task):
    """(signature, length, batch, inputs) for every checked call of `task`'s signatures."""
    out = []
    for length in lengths():
        for batch in BATCHES:
            out.append(("serving_default", length, batch, make_inputs(task, length, batch)))
            if task in AUTO_GLOBAL_HEADS:
                out.append(("serving_auto_global", length, batch, make_inputs(task, length, batch, with_global=False)))
    return out


def keras_outputs(model, inputs, names):
    out = model(**inputs)
    return {name: np.asarray(out[name]) for name in names}


# Runs SavedModels with TensorFlow alone, in a process where `import tf_longformer` fails.
_PLAIN_TENSORFLOW_RUNNER = r"""
import importlib.abc, json, sys


class _NoTfLongformer(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tf_longformer" or name.startswith("tf_longformer."):
            raise ImportError("tf_longformer must not be needed to serve an export")


sys.meta_path.insert(0, _NoTfLongformer())
import numpy as np
import tensorflow as tf

plan = json.load(open(sys.argv[1]))
data = np.load(plan["inputs"])
results = {}
loaded = {}
for call in plan["calls"]:
    if call["path"] not in loaded:
        loaded[call["path"]] = tf.saved_model.load(call["path"])
        results[f"{call['path']}/signatures"] = np.array(sorted(loaded[call["path"]].signatures))
    model = loaded[call["path"]]
    kind, name = call["endpoint"].split(":")
    function = model.signatures[name] if kind == "signature" else getattr(model, name)
    feeds = {input_name: tf.constant(data[f"{call['key']}/{input_name}"]) for input_name in call["inputs"]}
    for output_name, value in (function(feeds) if kind == "call" else function(**feeds)).items():
        array = value.numpy()
        if array.dtype == object:  # tf.string outputs: bytes, saved as text (np.load refuses objects)
            array = np.vectorize(lambda item: item.decode("utf-8"), otypes=[str])(array)
        results[f"{call['key']}/out/{output_name}"] = array
np.savez(plan["outputs"], **results)
"""


def run_with_plain_tensorflow(calls, work_dir):
    """Runs exported SavedModels in a fresh process that cannot import tf_longformer.

    Args:
        calls: `{key: (saved_model_dir, endpoint, inputs)}`; `endpoint` is
            `"signature:<name>"` (`loaded.signatures[name](**inputs)`), `"attribute:<name>"`
            (`getattr(loaded, name)(**inputs)`, e.g. Keras' `serve`) or `"call:<name>"`
            (`getattr(loaded, name)(inputs)`); `inputs` a dict of arrays.
        work_dir: a pathlib directory for the plan, inputs and outputs.

    Returns:
        `(outputs, signatures)`: `{key: {output name: array}}` and `{saved_model_dir: sorted
        signature names}`.
    """
    arrays, plan = {}, {"calls": [], "inputs": str(work_dir / "inputs.npz"), "outputs": str(work_dir / "outputs.npz")}
    for key, (path, endpoint, inputs) in calls.items():
        plan["calls"].append({"key": key, "path": str(path), "endpoint": endpoint, "inputs": sorted(inputs)})
        arrays.update({f"{key}/{name}": np.asarray(value) for name, value in inputs.items()})
    np.savez(plan["inputs"], **arrays)
    (work_dir / "plan.json").write_text(json.dumps(plan))
    (work_dir / "runner.py").write_text(_PLAIN_TENSORFLOW_RUNNER)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, str(work_dir / "runner.py"), str(work_dir / "plan.json")],
        capture_output=True,
        text=True,
        cwd=str(work_dir),
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # Serving graphs are traced with training=False, where no custom gradient is used.
    assert "unsaved custom gradients" not in run.stderr, run.stderr[-3000:]
    # No op oneDNN's graph pass logs an error line for (int32 ops it cannot run, e.g. a Transpose).
    assert "oneDNN supports" not in run.stderr, run.stderr[-3000:]
    got = np.load(plan["outputs"])
    outputs = {key: {} for key in calls}
    signatures = {}
    for name in got.files:
        if name.endswith("/signatures"):
            signatures[name[: -len("/signatures")]] = list(got[name])
            continue
        key, _, output_name = name.rpartition("/out/")
        outputs[key][output_name] = got[name]
    return outputs, signatures
