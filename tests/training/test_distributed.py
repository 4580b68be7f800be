"""tf.distribute: MirroredStrategy + fit on two logical CPUs; the multi-worker loop, resume.

Every run is a subprocess (logical devices and TF_CONFIG must be set before TensorFlow
starts, and must not leak into the other tests).
"""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from locations import TESTS

WORKER = os.path.join(TESTS, "distributed_worker.py")
STEPS = 4


def _run(*args, timeout=240):
    return subprocess.Popen(
        [sys.executable, WORKER, *map(str, args)],
        env={**{k: v for k, v in os.environ.items() if k != "TF_CONFIG"}, "CUDA_VISIBLE_DEVICES": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(process, timeout=240):
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def _weights(path):
    data = np.load(path)
    return [data[f"arr_{i}"] for i in range(len([k for k in data.files if k.startswith("arr_")]))]


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _single_worker_run(directory, optimizer):
    """The reference: one process, one replica, the same global batches."""
    code, output = _wait(
        _run("multi_worker", directory / "out.npz", directory / "ckpt", STEPS, "--optimizer", optimizer)
    )
    assert code == 0, output
    return _weights(directory / "out.npz"), np.load(directory / "out.npz")["losses"]


@pytest.mark.parametrize("optimizer", ["sgd", "fused-adam"])
def test_mirrored_strategy_fit_on_two_logical_cpus(tmp_path, optimizer):
    code, output = _wait(_run("mirrored_fit", tmp_path / "out.npz", "--optimizer", optimizer))
    assert code == 0, output
    result = np.load(tmp_path / "out.npz")
    assert int(result["replicas"]) == 2 and np.isfinite(result["loss"])
    assert float(result["moved"]) > 1e-3
    assert float(result["diff"]) < 1e-5  # same weights as fit without a strategy


@pytest.mark.slow  # three worker processes: about 40-50 s on 2 cores
@pytest.mark.parametrize("optimizer", ["sgd", "fused-adam"])
def test_two_workers_equal_one_worker_over_the_same_global_batches(tmp_path, optimizer):
    (tmp_path / "single").mkdir()
    reference, reference_losses = _single_worker_run(tmp_path / "single", optimizer)
    ports = ",".join(map(str, _free_ports(2)))
    workers = [
        _run(
            "multi_worker",
            tmp_path / f"out{i}.npz",
            tmp_path / "ckpt",
            STEPS,
            "--workers",
            ports,
            "--index",
            i,
            "--optimizer",
            optimizer,
        )
        for i in range(2)
    ]
    for process in workers:
        code, output = _wait(process)
        assert code == 0, output
    assert int(np.load(tmp_path / "out0.npz")["replicas"]) == 2
    for index in range(2):
        weights = _weights(tmp_path / f"out{index}.npz")
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights, reference))
        print(f"worker {index}: max |weight - single-worker weight| = {diff:.3g}")
        assert diff < 1e-5, diff
    np.testing.assert_allclose(np.load(tmp_path / "out0.npz")["losses"], reference_losses, rtol=1e-5)
    assert sorted(os.listdir(tmp_path / "ckpt"))[:2] == ["checkpoint", f"ckpt-{STEPS - 2}.data-00000-of-00001"]


@pytest.mark.slow  # three runs: about 30 s on 2 cores
def test_killed_and_resumed_run_ends_with_the_uninterrupted_weights(tmp_path):
    """With dropout on: the seed states are checkpointed too, so the resumed run is exact."""
    uninterrupted = _run("multi_worker", tmp_path / "full.npz", tmp_path / "full", STEPS, "--dropout", 0.2)
    killed = _run("multi_worker", tmp_path / "x.npz", tmp_path / "ckpt", STEPS, "--dropout", 0.2, "--kill-after", 2)
    code, output = _wait(killed)
    assert code == -9, output  # SIGKILL after step 2's checkpoint
    assert not os.path.exists(tmp_path / "x.npz")
    code, output = _wait(_run("multi_worker", tmp_path / "resumed.npz", tmp_path / "ckpt", STEPS, "--dropout", 0.2))
    assert code == 0, output
    assert len(np.load(tmp_path / "resumed.npz")["losses"]) == STEPS - 2  # only the remaining steps ran
    code, output = _wait(uninterrupted)
    assert code == 0, output
    for a, b in zip(_weights(tmp_path / "resumed.npz"), _weights(tmp_path / "full.npz")):
        np.testing.assert_array_equal(a, b)
