"""Faults: a training run SIGKILLed mid-epoch resumes with
`BackupAndRestore` to the same weights; corrupt or truncated weight files are reported and
never leave a half-loaded model. (Interrupted `save_pretrained` and exports: see
tests/models/test_pretrained.py and tests/export/test_export_saved_model.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import h5py
import keras
import numpy as np
import pytest

import reliability_cases as rc
import tf_longformer as tfl
from locations import TESTS
from tf_longformer.checkpoints import files, transfer

WORKER = os.path.join(TESTS, "reliability_train_worker.py")


def _worker(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    return subprocess.run(
        [sys.executable, WORKER, *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow  # three short trainings in two subprocesses: ~40 s on 2 cores
def test_fit_killed_mid_epoch_resumes_to_the_same_weights(tmp_path):
    """Killed at step 8 of 15 (epoch 2 of 3, after epoch 1's backup); the rerun restores the
    backup and ends with exactly the weights of an uninterrupted run.

    (Keras 3.15's BackupAndRestore restores the epoch only, not the step: with an integer
    `save_freq` a restart replays the interrupted epoch from its first batch on weights saved
    mid-epoch, so only `save_freq="epoch"` gives exactly the uninterrupted weights.)
    """
    backup = tmp_path / "backup"
    killed = _worker(backup, tmp_path / "killed.npz", "--kill-at-step", 8)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (tmp_path / "killed.npz").exists() and (backup / "latest.weights.h5").exists()
    resumed = _worker(backup, tmp_path / "resumed.npz", "--reference")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    result = np.load(tmp_path / "resumed.npz")
    count = len([k for k in result.files if k.startswith("reference/")])
    assert count > 20
    for i in range(count):
        np.testing.assert_array_equal(result[f"resumed/{i}"], result[f"reference/{i}"], err_msg=f"weight {i}")
    assert not backup.exists()  # the backup is removed once training completes


# --- corrupt files: an error, and the model as it was -------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(model, other model with different weights, directory with its saved files)."""
    directory = tmp_path_factory.mktemp("weights")
    source = rc.make_model("token_classification", seed=1)
    source.save_weights(str(directory / "model.weights.h5"))
    source.save(str(directory / "model.keras"))
    source.save_pretrained(str(directory / "pretrained"))
    return rc.make_model("token_classification", seed=2), directory


def _snapshot(model):
    return [v.numpy() for v in model.variables]


def _assert_unchanged(model, before):
    for variable, value in zip(model.variables, before):
        np.testing.assert_array_equal(variable.numpy(), value, err_msg=variable.path)


def _damage_h5(path, how):
    if how == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
        return
    with h5py.File(path, "a") as f:  # a readable file whose last weight is missing
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in datasets:
            f[name][...] = f[name][...] + 1.0
        del f[datasets[-1]]


@pytest.mark.parametrize("how", ["truncate", "missing_weight"])
def test_damaged_weights_h5_is_reported_and_nothing_is_loaded(trained, tmp_path, how):
    model, directory = trained
    path = tmp_path / "model.weights.h5"
    path.write_bytes((directory / "model.weights.h5").read_bytes())
    _damage_h5(path, how)
    before = _snapshot(model)
    with pytest.raises((ValueError, OSError)):
        model.load_weights(str(path))
    _assert_unchanged(model, before)


def test_truncated_keras_file_is_reported_and_nothing_is_loaded(trained, tmp_path):
    model, directory = trained
    data = (directory / "model.keras").read_bytes()
    path = tmp_path / "model.keras"
    path.write_bytes(data[: len(data) // 2])
    before = _snapshot(model)
    with pytest.raises(tfl.CheckpointError, match="not a readable .keras file"):
        model.load_weights(str(path))
    _assert_unchanged(model, before)
    with pytest.raises(ValueError, match="zip file"):  # Keras' own loader and message
        keras.models.load_model(str(path))


def test_good_files_still_load(trained, tmp_path):
    model, directory = trained
    model.load_weights(str(directory / "model.weights.h5"))
    source = rc.make_model("token_classification", seed=1)
    for got, want in zip(model.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("damage", ["late_weight_wrong_shape", "backbone_weight_missing"])
def test_checkpoint_that_does_not_fit_loads_nothing(trained, damage):
    """The reference-format loader checks every row before assigning any."""
    model, directory = trained
    state = files.read_weights(str(directory / "pretrained" / "model.safetensors"))
    state = {k: v + 1.0 for k, v in state.items()}
    last = (
        sorted(state)[-1] if damage == "late_weight_wrong_shape" else "longformer.encoder.layer.0.output.dense.weight"
    )
    if damage == "late_weight_wrong_shape":
        state[last] = np.zeros(state[last].shape + (1,), np.float32)
    else:
        del state[last]
    before = _snapshot(model)
    with pytest.raises(tfl.CheckpointError, match=last.replace(".", r"\.")):
        transfer.load_state(model.weight_rows(), state)
    _assert_unchanged(model, before)


@pytest.mark.parametrize("damage", ["truncate", "flip_header"])
def test_damaged_safetensors_is_reported_without_building_a_model(trained, tmp_path, damage):
    _, directory = trained
    target = tmp_path / "ckpt"
    target.mkdir()
    for name in ("config.json", "model.safetensors"):
        (target / name).write_bytes((directory / "pretrained" / name).read_bytes())
    data = bytearray((target / "model.safetensors").read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 7]
    else:
        data[10] ^= 0xFF  # inside the JSON header
    (target / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(tfl.CheckpointError, match="not a readable safetensors file"):
        tfl.LongformerForTokenClassification.from_pretrained(target)
