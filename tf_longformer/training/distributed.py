"""Multi-worker training loop: `MultiWorkerMirroredStrategy`, `strategy.run`, checkpoints, resume.

Keras 3 `fit` does not run under `MultiWorkerMirroredStrategy` on the TensorFlow backend
(keras issue 20585), so `DistributedTrainer` is a small custom loop instead. It trains a task
head on its own loss (the reference's; `model.task_loss`), one *global* batch per step: every
worker takes its slice of the same global batch, gradients are summed across all replicas
(each replica's loss is its mean divided by the number of replicas), so the result equals a
single-process run over the same global batches, up to float32 rounding of the all-reduce.

State (every model variable, including the dropout layers' seed states, the optimizer's
variables and the step counter) is saved with `tf.train.CheckpointManager` every
`checkpoint_every` steps. A restarted job restores the latest checkpoint and skips the global batches already done, so
an interrupted run ends with the same weights as an uninterrupted one.

Running it on a real cluster
----------------------------
Write the training script once (see `tests/distributed_worker.py` for a complete one)::

    strategy = tf.distribute.MultiWorkerMirroredStrategy()      # reads TF_CONFIG
    trainer = DistributedTrainer(
        strategy,
        build_model=lambda: tfl.LongformerForSequenceClassification.from_pretrained(path),
        build_optimizer=lambda: keras.optimizers.AdamW(3e-5),
        checkpoint_dir="gs://bucket/run-1",   # a directory every worker can read
    )
    trainer.fit(examples, global_batch_size=32, steps=10_000)  # examples: unbatched (x, y) dataset
    if trainer.is_chief:
        trainer.model.save_pretrained("final")

and start it once per machine with that machine's `TF_CONFIG`, e.g. for two machines::

    # on host-a                       (index 0 is the chief: it writes the checkpoints)
    TF_CONFIG='{"cluster": {"worker": ["host-a:12345", "host-b:12345"]},
                "task": {"type": "worker", "index": 0}}' python train.py
    # on host-b
    TF_CONFIG='{"cluster": {"worker": ["host-a:12345", "host-b:12345"]},
                "task": {"type": "worker", "index": 1}}' python train.py

All workers must run the same script with the same data, batch size and step count, and
reach each other on the listed ports. `checkpoint_dir` must be shared storage (GCS, NFS,
...): the chief writes there, the other workers write throw-away copies to
`<checkpoint_dir>/.worker-<index>` (every worker must take part in a save) and all of them
restore from the chief's directory. To resume after a failure, start the same command again
on every machine. On Kubernetes, the Kubeflow training operator's `TFJob` sets `TF_CONFIG`
for each pod. Use `CollectiveCommunication.NCCL` (via
`tf.distribute.experimental.CommunicationOptions`) on GPU clusters.
"""

from __future__ import annotations

import json
import os
from typing import Callable

import keras
import tensorflow as tf


def worker_index(strategy: tf.distribute.Strategy) -> int:
    """This worker's index in the cluster (0 without a cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return 0
    return int(resolver.task_id)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this worker writes the checkpoints: worker 0 (or a `chief` task, or no cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0)


def _variable_dict(variables) -> dict:
    """Checkpoint keys by position and path (stable for a model built from the same config)."""
    return {f"{index:05d}/{variable.path}": variable for index, variable in enumerate(variables)}


def global_batches(examples: tf.data.Dataset, global_batch_size: int, start_step: int = 0):
    """A `dataset_fn` for `distribute_datasets_from_function`: each replica's slice of each global batch.

    `examples` yields unbatched `(x, y)` pairs in a fixed order. Global batch `i` is examples
    `[i * global_batch_size, (i + 1) * global_batch_size)` padded to their longest row;
    input pipeline `p` of `P` takes rows `[p * B/P, (p + 1) * B/P)` of it and splits them into
    its replicas' batches. The first `start_step` global batches are skipped (resume).
    """

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        pipelines = context.num_input_pipelines
        if global_batch_size % context.num_replicas_in_sync:
            raise ValueError(
                f"global_batch_size must be a multiple of the number of replicas "
                f"({context.num_replicas_in_sync}). Received: global_batch_size={global_batch_size}"
            )
        per_pipeline = global_batch_size // pipelines
        first = context.input_pipeline_id * per_pipeline

        def take_slice(*element):
            return tf.nest.map_structure(lambda t: t[first : first + per_pipeline], element)

        batches = examples.padded_batch(global_batch_size, drop_remainder=True).skip(start_step)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return (
            batches.map(take_slice)
            .unbatch()
            .batch(context.get_per_replica_batch_size(global_batch_size), drop_remainder=True)
            .with_options(options)
            .prefetch(2)
        )

    return dataset_fn


class DistributedTrainer:
    """Trains a Longformer task head with `strategy.run` under any `tf.distribute` strategy.

    Args:
        strategy: e.g. `tf.distribute.MultiWorkerMirroredStrategy()` (reads `TF_CONFIG`).
        build_model: returns the model (a task head); called inside `strategy.scope()`.
        build_optimizer: returns a Keras optimizer; called inside `strategy.scope()`.
        checkpoint_dir: where the chief keeps its checkpoints (shared storage on a cluster).
        checkpoint_every: save every this many steps (and after the last step).
        max_to_keep: checkpoints kept by the `tf.train.CheckpointManager`.

    Attributes:
        model: the model `build_model` returned.
        optimizer: the optimizer `build_optimizer` returned.
        step: a variable: global batches done.
        manager: the chief's `tf.train.CheckpointManager`.
        is_chief: whether this worker is the chief.
    """

    def __init__(
        self,
        strategy: tf.distribute.Strategy,
        build_model: Callable[[], keras.Model],
        build_optimizer: Callable[[], keras.optimizers.Optimizer],
        checkpoint_dir: str,
        checkpoint_every: int = 100,
        max_to_keep: int = 3,
    ):
        if checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be >= 1. Received: checkpoint_every={checkpoint_every}")
        self.strategy = strategy
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.is_chief = is_chief(strategy)
        with strategy.scope():
            self.model = build_model()
            if not self.model.built:
                self.model.build(None)
            self.optimizer = build_optimizer()
            self.optimizer.build(self.model.trainable_variables)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        # Variables are checkpointed as flat, ordered dicts: an object-based
        # `tf.train.Checkpoint(model=model)` misses the seed generators' states (Keras 3 does
        # not track them), and a resumed run must draw the same dropout masks.
        self.checkpoint = tf.train.Checkpoint(
            model=_variable_dict(self.model.variables),
            optimizer=_variable_dict(self.optimizer.variables),
            step=self.step,
        )
        write_dir = (
            checkpoint_dir if self.is_chief else os.path.join(checkpoint_dir, f".worker-{worker_index(strategy)}")
        )
        self.manager = tf.train.CheckpointManager(self.checkpoint, write_dir, max_to_keep=max_to_keep)
        self._train_step = None

    def restore(self) -> int:
        """Restores the chief's latest checkpoint if there is one; returns the step reached."""
        latest = tf.train.latest_checkpoint(self.checkpoint_dir)
        if latest is not None:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        return int(self.step.numpy())

    def save(self) -> None:
        """Every worker must call this (collective); only the chief's copy is kept."""
        self.manager.save(checkpoint_number=int(self.step.numpy()))
        if not self.is_chief:
            tf.io.gfile.rmtree(self.manager.directory)

    def _make_train_step(self):
        model, optimizer, strategy = self.model, self.optimizer, self.strategy

        def replica_step(batch):
            x, y = batch
            with tf.GradientTape() as tape:
                outputs = model(x, training=True)
                loss = tf.cast(model.task_loss(outputs, model.head_labels(y)), tf.float32)
                scaled = loss / strategy.num_replicas_in_sync
            gradients = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            return loss

        @tf.function
        def train_step(iterator):
            losses = strategy.run(replica_step, args=(next(iterator),))
            self.step.assign_add(1)
            return strategy.reduce(tf.distribute.ReduceOp.MEAN, losses, axis=None)

        return train_step

    def fit(
        self,
        examples: tf.data.Dataset,
        global_batch_size: int,
        steps: int,
        callback: Callable[[int, float], None] | None = None,
    ) -> list[float]:
        """Trains until `steps` global batches are done, resuming from the latest checkpoint.

        Args:
            examples: unbatched `(x, y)` pairs, the same on every worker, in a fixed order;
                `y` as for `model.fit` without a loss (labels, or QA's position dict).
            global_batch_size: examples per step over all replicas.
            steps: total global batches (including those done before a restart).
            callback: called as `callback(step, mean_loss)` after each step.

        Returns:
            The mean loss of each step run by this call.
        """
        start = self.restore()
        if start >= steps:
            return []
        dataset = self.strategy.distribute_datasets_from_function(global_batches(examples, global_batch_size, start))
        iterator = iter(dataset)
        if self._train_step is None:
            self._train_step = self._make_train_step()
        history = []
        for step in range(start + 1, steps + 1):
            loss = float(self._train_step(iterator))
            history.append(loss)
            if callback is not None:
                callback(step, loss)
            if step % self.checkpoint_every == 0 or step == steps:
                self.save()
        return history


def tf_config(workers: list[str], index: int) -> str:
    """The `TF_CONFIG` JSON for worker `index` of a cluster of `workers` ("host:port")."""
    return json.dumps({"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": index}})
