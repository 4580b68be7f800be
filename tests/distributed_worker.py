"""Worker process for tests/training/test_distributed.py (run as a script; never imported by pytest).

python distributed_worker.py multi_worker OUT.npz CKPT_DIR STEPS [--workers P1,P2 --index I] [--kill-after N]
python distributed_worker.py mirrored_fit OUT.npz
"""

import argparse
import os
import signal
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf_longformer.training import FusedAdam  # noqa: E402

GLOBAL_BATCH = 8


def examples(count=32, seed=0):
    from training_utils import head_batch

    x, y = head_batch("sequence_classification", np.random.default_rng(seed), batch=count, length=12)
    return tf.data.Dataset.from_tensor_slices((x, y))


OPTIMIZERS = {"sgd": lambda: keras.optimizers.SGD(0.5), "fused-adam": lambda: FusedAdam(0.05)}


def build_model(dropout):
    import tf_longformer as tfl
    from training_utils import tiny_config

    keras.utils.set_random_seed(0)
    config = tiny_config(hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    model = tfl.LongformerForSequenceClassification(config)
    model.build(None)
    return model


def multi_worker(args):
    from tf_longformer.training.distributed import DistributedTrainer, tf_config

    if args.workers:
        os.environ["TF_CONFIG"] = tf_config([f"127.0.0.1:{p}" for p in args.workers.split(",")], args.index)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    trainer = DistributedTrainer(
        strategy,
        build_model=lambda: build_model(args.dropout),
        build_optimizer=OPTIMIZERS[args.optimizer],
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=1,
    )

    original_save = trainer.save

    def save_then_maybe_die():
        original_save()
        if args.kill_after and int(trainer.step.numpy()) == args.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # a hard kill right after that step's checkpoint

    trainer.save = save_then_maybe_die
    losses = trainer.fit(examples(), GLOBAL_BATCH, args.steps)
    np.savez(args.out, *trainer.model.get_weights(), losses=np.array(losses), replicas=strategy.num_replicas_in_sync)


def mirrored_fit(args):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    data = examples().batch(GLOBAL_BATCH)
    optimizer = OPTIMIZERS[args.optimizer]

    plain = build_model(0.0)
    plain.compile(optimizer=optimizer())
    initial = plain.get_weights()
    plain.fit(data, epochs=1, verbose=0)

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = build_model(0.0)
        mirrored.set_weights(initial)
        mirrored.compile(optimizer=optimizer(), metrics=["accuracy"])
    history = mirrored.fit(data, epochs=1, verbose=0).history
    np.savez(
        args.out,
        diff=max(float(np.max(np.abs(a - b))) for a, b in zip(plain.get_weights(), mirrored.get_weights())),
        moved=max(float(np.max(np.abs(a - b))) for a, b in zip(initial, mirrored.get_weights())),
        loss=history["loss"][-1],
        replicas=strategy.num_replicas_in_sync,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["multi_worker", "mirrored_fit"])
    parser.add_argument("out")
    parser.add_argument("checkpoint_dir", nargs="?")
    parser.add_argument("steps", nargs="?", type=int)
    parser.add_argument("--workers", default="")
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--kill-after", type=int, default=0)
    parser.add_argument("--optimizer", choices=["sgd", "fused-adam"], default="sgd")
    parser.add_argument("--dropout", type=float, default=0.0)
    args = parser.parse_args()
    {"multi_worker": multi_worker, "mirrored_fit": mirrored_fit}[args.mode](args)
