"""Multi-worker data-parallel training with `tf_longformer.training.distributed.DistributedTrainer`.

Keras `fit` does not run under `MultiWorkerMirroredStrategy` on TensorFlow (keras issue 20585),
so the package ships a small `strategy.run` loop with checkpoints and resume. This script is
both the launcher and the worker: without `--worker` it starts two workers on 127.0.0.1 (each
with its own `TF_CONFIG`), waits for them and reports; on a real cluster run it with `--worker`
on every machine and set `TF_CONFIG` there (see the module docstring of
`tf_longformer/training/distributed.py`).

    python examples/multi_worker_training.py            # 2 local workers, 40 steps
    python examples/multi_worker_training.py --smoke    # 2 local workers, 2 steps
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(args) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    import tf_longformer as tfl
    from tf_longformer.demo import synthetic
    from tf_longformer.training.distributed import DistributedTrainer

    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG
    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    questions, documents, labels = synthetic.long_range_documents(32, sentences=args.sentences, seed=3)
    batch = tokenizer(
        questions,
        documents,
        truncation="only_second",
        max_length=4096,
        padding=True,
        pad_to_multiple_of=64,
        global_attention="question_answering",
        return_tensors="np",
    )
    x = {k: batch[k].astype(np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")}
    examples = tf.data.Dataset.from_tensor_slices((x, labels))  # unbatched; the trainer makes global batches

    def build_model():
        keras.utils.set_random_seed(0)  # the same initial head on every worker
        return tfl.LongformerForSequenceClassification.from_pretrained(model_dir, num_labels=2)

    trainer = DistributedTrainer(
        strategy,
        build_model=build_model,
        build_optimizer=lambda: keras.optimizers.Adam(1e-3),
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=10,
    )
    losses = trainer.fit(examples, global_batch_size=8, steps=args.steps)
    if trainer.is_chief:
        trainer.model.save_pretrained(os.path.join(args.checkpoint_dir, "final"))
        print(
            json.dumps(
                {
                    "replicas": strategy.num_replicas_in_sync,
                    "first_loss": float(losses[0]) if losses else None,
                    "last_loss": float(losses[-1]) if losses else None,
                    "steps": len(losses),
                }
            ),
            flush=True,
        )


def launch(args) -> None:
    ports = [free_port(), free_port()]
    checkpoint_dir = args.checkpoint_dir or tempfile.mkdtemp(prefix="multi-worker-")
    processes = []
    for index in range(2):
        environment = dict(
            os.environ,
            TF_CPP_MIN_LOG_LEVEL="2",
            TF_CONFIG=json.dumps(
                {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": index}}
            ),
        )
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--worker",
            "--steps",
            str(args.steps),
            "--sentences",
            str(args.sentences),
            "--checkpoint-dir",
            checkpoint_dir,
        ]
        processes.append(
            subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    codes = [p.returncode for p in processes]
    chief = [line for line in outputs[0].splitlines() if line.startswith("{")]
    if any(codes) or not chief:
        for index, output in enumerate(outputs):
            print(f"--- worker {index} (exit {codes[index]}) ---\n{output[-3000:]}")
        raise SystemExit(1)
    result = json.loads(chief[-1])
    print(
        f"2 workers x {result['replicas'] // 2} replica: {result['steps']} global steps, loss "
        f"{result['first_loss']:.3f} -> {result['last_loss']:.3f}; model in {checkpoint_dir}/final "
        f"(run again with --checkpoint-dir {checkpoint_dir} to resume)"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--worker", action="store_true", help="run as one worker (TF_CONFIG must be set)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--checkpoint-dir", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.steps, args.sentences = 2, 10
    if args.worker:
        worker(args)
    else:
        launch(args)


if __name__ == "__main__":
    main()
