"""Invariants of the base model and the five heads on seeded random inputs.

- padding: appending padding does not change the outputs of the real tokens;
- batch: a row's outputs do not depend on the other rows;
- window multiple: the automatic padding to a multiple of the window is the same computation
  as padding by hand, so the outputs are *bitwise* equal; and with no global token, a token
  only sees `sum(window / 2)` tokens to its right, so growing the sequence leaves the tokens
  further than that from the end unchanged (up to float rounding: the block layout changes);
- determinism: eager twice (bitwise), `tf.function` with unknown shapes and XLA
  (`max_global_tokens` set) against eager.

SavedModel and TFLite outputs against Keras, per head, are in tests/export/test_export_saved_model.py
and tests/export/test_export_tflite.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import reliability_cases as rc

ATOL = 1e-5
SEEDS = range(2)


@pytest.fixture(scope="module")
def models():
    return {task: rc.make_model(task) for task in rc.TASKS}


def _pad(inputs, extra):
    values = {"input_ids": rc.PAD, "attention_mask": 0, "global_attention_mask": 0}
    return {
        k: np.concatenate([v, np.full(v.shape[:-1] + (extra,), values[k], v.dtype)], axis=-1) for k, v in inputs.items()
    }


def _token_prefix(task, outputs, length):
    return {k: v[:, :length] if k in rc.TOKEN_OUTPUTS.get(task, ()) else v for k, v in outputs.items()}


def _assert_close(got, want, atol=ATOL, context=""):
    for name in want:
        np.testing.assert_allclose(got[name], want[name], atol=atol, rtol=0, err_msg=f"{context} {name}")


def _auto_global_variants(inputs):
    yield "explicit global", inputs
    yield "automatic global", {k: v for k, v in inputs.items() if k != "global_attention_mask"}


@pytest.mark.parametrize("task", rc.TASKS)
def test_padding_invariance(models, task):
    model, tried = models[task], 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        length = int(rng.integers(1, 20))
        base = rc.make_inputs(task, rng, batch=2, length=length, padding=False)
        for variant, inputs in _auto_global_variants(base):
            want = rc.outputs_of(model, task, inputs)
            extra = int(rng.integers(1, rc.MAX_LENGTH - length + 1))
            got = _token_prefix(task, rc.outputs_of(model, task, _pad(inputs, extra)), length)
            _assert_close(got, want, context=f"{task} seed={seed} {variant} length={length}+{extra}")
            tried += 1
    assert tried == 2 * len(SEEDS)


@pytest.mark.parametrize("task", rc.TASKS)
def test_batch_invariance(models, task):
    model = models[task]
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        inputs = rc.make_inputs(task, rng, batch=3, length=int(rng.integers(1, 25)))
        together = rc.outputs_of(model, task, inputs)
        for row in range(3):
            alone = rc.outputs_of(model, task, {k: v[row : row + 1] for k, v in inputs.items()})
            _assert_close(
                alone, {k: v[row : row + 1] for k, v in together.items()}, context=f"{task} seed={seed} row={row}"
            )


@pytest.mark.parametrize("task", rc.TASKS)
def test_automatic_window_padding_equals_padding_by_hand_bitwise(models, task):
    model = models[task]
    for seed in SEEDS:
        rng = np.random.default_rng(200 + seed)
        length = int(rng.choice([1, 2, 3, 5, 6, 7, 9, 13]))  # never a multiple of the window (4)
        base = rc.make_inputs(task, rng, batch=2, length=length)
        for variant, inputs in _auto_global_variants(base):
            automatic = rc.outputs_of(model, task, inputs)
            by_hand = _token_prefix(task, rc.outputs_of(model, task, _pad(inputs, (-length) % rc.WINDOW)), length)
            # The padded tensors are identical, so is the encoder's work: bitwise equal. Only the
            # layers after the cut back to `length` (pooler, heads) see other shapes: rounding.
            tolerance = 0 if name_is_encoder_output(task) else 1e-6
            _assert_close(by_hand, automatic, atol=tolerance, context=f"{task} {variant}")


def name_is_encoder_output(task):
    return task == "base"


@pytest.fixture(scope="module")
def two_layer_models():
    """Windows 4 then 8: a token sees 2 + 4 = 6 tokens to its right."""
    return {
        task: rc.make_model(task, num_hidden_layers=2, attention_window=[4, 8])
        for task in ("base", "masked_lm", "token_classification")
    }


@pytest.mark.parametrize("task", ["base", "masked_lm", "token_classification"])
def test_tokens_beyond_the_windows_do_not_see_a_longer_sequence(two_layer_models, task):
    model, reach = two_layer_models[task], 2 + 4
    name = rc.TOKEN_OUTPUTS[task][0]
    for seed in SEEDS:
        rng = np.random.default_rng(300 + seed)
        full = rc.make_inputs(task, rng, batch=2, length=rc.MAX_LENGTH, padding=False, global_rate=0.0)
        for length in (reach + 1, 13) if seed == 0 else (22,):
            prefix = {k: v[:, :length] for k, v in full.items()}
            short = rc.outputs_of(model, task, prefix)[name]
            long = rc.outputs_of(model, task, {k: v[:, : length + 9] for k, v in full.items()})[name][:, :length]
            safe = length - reach
            np.testing.assert_allclose(long[:, :safe], short[:, :safe], atol=ATOL, rtol=0, err_msg=f"{task} {length}")
            # ... and the test can see a change: the last token's right-hand context grew.
            assert np.abs(long[:, -1] - short[:, -1]).max() > 1e-6, (task, length)


# --- determinism: eager, tf.function, XLA ------------------------------------------------------


@pytest.fixture(scope="module")
def bounded_models():
    """Three layers with windows 4, 8, 4: the first and last share one traced layer function."""
    return {
        task: rc.make_model(
            task, seed=1, model_kwargs={"max_global_tokens": 4}, num_hidden_layers=3, attention_window=[4, 8, 4]
        )
        for task in rc.TASKS
    }


def _bounded_inputs(task, rng):
    inputs = rc.make_inputs(task, rng, batch=2, length=11, global_rate=0.0)
    inputs["global_attention_mask"][..., :2] = 1  # at most max_global_tokens per row
    return inputs


# XLA compiles take seconds each: two models in the default run, the other four under -m slow.
@pytest.mark.parametrize(
    "task", [t if t in ("base", "multiple_choice") else pytest.param(t, marks=pytest.mark.slow) for t in rc.TASKS]
)
def test_eager_graph_and_xla_agree(bounded_models, task):
    model = bounded_models[task]
    assert model.supports_jit
    inputs = _bounded_inputs(task, np.random.default_rng(400))
    first = rc.outputs_of(model, task, inputs)
    for name, value in rc.outputs_of(model, task, inputs).items():
        np.testing.assert_array_equal(value, first[name], err_msg=f"eager twice: {name}")
    signature = {k: tf.TensorSpec([None] * v.ndim, tf.int32) for k, v in inputs.items()}
    graph = tf.function(lambda x: {n: model(x)[n] for n in rc.OUTPUTS[task]}, input_signature=[signature])
    xla = tf.function(lambda x: {n: model(x)[n] for n in rc.OUTPUTS[task]}, jit_compile=True)
    for runner, label in ((graph, "tf.function"), (xla, "XLA")):
        got = {k: v.numpy() for k, v in runner(inputs).items()}
        _assert_close(got, first, context=label)
        again = {k: v.numpy() for k, v in runner(inputs).items()}
        for name in got:
            np.testing.assert_array_equal(again[name], got[name], err_msg=f"{label} twice: {name}")
