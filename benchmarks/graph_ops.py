"""Op-type counts of our traced forward and training-step graphs: a noise-free A/B for refactors.

Timings on a shared 2-core machine move by ±10% from run to run; a change that leaves every
op of both graphs as it was cannot change their speed. Run it once per tree (from outside
the trees, so that PYTHONPATH, not the current folder, says which `tf_longformer` is imported):

    cd /tmp && PYTHONPATH=/path/to/old/tree python /path/to/benchmarks/graph_ops.py > old.json
    cd /tmp && PYTHONPATH=/path/to/new/tree python /path/to/benchmarks/graph_ops.py --compare old.json

The model is a tiny config (2 layers, hidden 32, window 8, 64 tokens, one global token);
the structure of its graphs is that of every size.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys


def graph_op_counts() -> dict[str, dict[str, int]]:
    """`{"forward" | "train": {op type: count}}`, function bodies included."""
    import keras
    import numpy as np
    import tensorflow as tf

    import tf_longformer as tfl

    config = tfl.LongformerConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        attention_window=8,
        max_position_embeddings=130,
    )
    keras.utils.set_random_seed(0)
    input_ids = np.random.default_rng(0).integers(3, 100, (1, 64)).astype("int32")
    input_ids[:, 0] = 0
    global_attention_mask = np.zeros_like(input_ids)
    global_attention_mask[:, 0] = 1
    ids_spec = tf.TensorSpec([None, None], tf.int32)

    def counts(function, *specs) -> dict[str, int]:
        graph = function.get_concrete_function(*specs).graph
        counter = collections.Counter(op.type for op in graph.get_operations())
        for library_function in graph.as_graph_def().library.function:
            counter.update(node.op for node in library_function.node_def)
        return dict(sorted(counter.items()))

    model = tfl.LongformerModel(config)
    model(input_ids, global_attention_mask=global_attention_mask)
    forward = tf.function(lambda ids, mask: model(ids, global_attention_mask=mask)["last_hidden_state"])

    classifier = tfl.LongformerForSequenceClassification(config)
    classifier(input_ids, global_attention_mask=global_attention_mask)
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(classifier.trainable_variables)

    @tf.function
    def train_step(ids, mask, labels):
        with tf.GradientTape() as tape:
            logits = classifier(ids, global_attention_mask=mask, training=True)["logits"]
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        optimizer.apply(tape.gradient(loss, classifier.trainable_variables), classifier.trainable_variables)
        return loss

    return {
        "forward": counts(forward, ids_spec, ids_spec),
        "train": counts(train_step, ids_spec, ids_spec, tf.TensorSpec([None], tf.int32)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", help="a JSON file this script wrote for another tree: print the differences")
    args = parser.parse_args(argv)
    current = graph_op_counts()
    if not args.compare:
        print(json.dumps(current))
        return 0
    with open(args.compare, encoding="utf-8") as f:
        other = json.load(f)
    for graph, ops in current.items():
        changed = {
            op: (other[graph].get(op, 0), ops.get(op, 0))
            for op in sorted(set(ops) | set(other[graph]))
            if other[graph].get(op, 0) != ops.get(op, 0)
        }
        print(
            f"{graph}: {sum(other[graph].values())} ops -> {sum(ops.values())} ops; "
            f"changed (before, after): {changed or 'none'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
