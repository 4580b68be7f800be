"""Training run for tests/reliability/test_reliability_faults.py (a subprocess, so it can be SIGKILLed).

    python reliability_train_worker.py BACKUP_DIR OUT.npz --kill-at-step N   # dies at step N
    python reliability_train_worker.py BACKUP_DIR OUT.npz --reference         # uninterrupted too

`fit` runs 3 epochs of 5 steps with `BackupAndRestore(save_freq="epoch")`. With
`--reference` it first trains an uninterrupted model in the same process and saves both.
"""

import argparse
import os
import signal
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import reliability_cases as rc  # noqa: E402

EPOCHS, STEPS, BATCH = 3, 5, 4


def data():
    rng = np.random.default_rng(0)
    inputs = rc.make_inputs("sequence_classification", rng, batch=STEPS * BATCH, length=10)
    return inputs, rng.integers(0, rc.NUM_LABELS, STEPS * BATCH).astype(np.int32)


class KillAt(keras.callbacks.Callback):
    def __init__(self, step):
        super().__init__()
        self.step, self.seen = step, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def train(callbacks):
    model = rc.make_model("sequence_classification", seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    x, y = data()
    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=callbacks)
    return [v.numpy() for v in model.weights]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("backup_dir")
    parser.add_argument("out")
    parser.add_argument("--kill-at-step", type=int, default=0)
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    result = {}
    if args.reference:
        result.update({f"reference/{i}": w for i, w in enumerate(train([]))})
    callbacks = [keras.callbacks.BackupAndRestore(args.backup_dir, save_freq="epoch")]
    if args.kill_at_step:
        callbacks.append(KillAt(args.kill_at_step))
    result.update({f"resumed/{i}": w for i, w in enumerate(train(callbacks))})
    np.savez(args.out, **result)


if __name__ == "__main__":
    main()
