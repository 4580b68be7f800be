"""Stress (slow, not in the default run): 1,000 random shapes and masks
through forward and backward of every model in turn, with no crash, no NaN or Inf, and flat
memory after warm-up (resident set size read from /proc/self/status).

    python -m pytest -m slow tests/reliability/test_stress.py -s    # prints the counts and memory
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import reliability_cases as rc

STEPS = 1000
WARM_UP = 200
ALLOWED_GROWTH_MIB = 64


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _loss(task, out):
    return out["loss"] if out.get("loss") is not None else tf.reduce_sum(out[rc.OUTPUTS[task][0]] ** 2)


@pytest.mark.slow
def test_random_shapes_forward_and_backward_stay_finite_with_flat_memory():
    models = {task: rc.make_model(task, seed=5) for task in rc.TASKS}
    rng = np.random.default_rng(2024)
    samples, counts = [], {"steps": 0, "all_padding_rows": 0, "every_token_global": 0, "automatic_global": 0}
    for step in range(STEPS):
        task = rc.TASKS[step % len(rc.TASKS)]
        model = models[task]
        batch, length = int(rng.integers(1, 5)), int(rng.integers(1, rc.MAX_LENGTH + 1))
        rate = float(rng.choice([0.0, 0.1, 0.5, 1.0]))
        inputs = rc.make_inputs(task, rng, batch, length, choices=int(rng.integers(1, 4)), global_rate=rate)
        if rng.random() < 0.2:
            inputs["attention_mask"][int(rng.integers(0, batch))] = 0
            counts["all_padding_rows"] += 1
        counts["every_token_global"] += rate == 1.0
        if rng.random() < 0.2:
            del inputs["global_attention_mask"]
            counts["automatic_global"] += 1
        labels = rc.valid_labels(task, inputs, rng)
        with tf.GradientTape() as tape:
            out = model(**inputs, **labels, training=True)
            loss = _loss(task, out)
        grads = tape.gradient(loss, model.trainable_variables)
        assert np.isfinite(float(loss)), (step, task, batch, length)
        for name in rc.OUTPUTS[task]:
            assert np.all(np.isfinite(np.asarray(out[name]))), (step, task, name)
        for variable, grad in zip(model.trainable_variables, grads):
            if grad is not None:
                assert np.all(np.isfinite(tf.convert_to_tensor(grad).numpy())), (step, task, variable.path)
        counts["steps"] += 1
        if step + 1 >= WARM_UP and (step + 1) % 100 == 0:
            samples.append((step + 1, rss_mib()))
    growth = samples[-1][1] - samples[0][1]
    print(
        f"\nstress: {counts}; RSS MiB after warm-up: {[(s, round(m, 1)) for s, m in samples]}; growth {growth:.1f} MiB"
    )
    assert counts["steps"] == STEPS
    assert growth < ALLOWED_GROWTH_MIB, samples
