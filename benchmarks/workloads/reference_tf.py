"""The reference TensorFlow Longformer: transformers 4.x's TF classes on tf-keras (its own venv)."""

from __future__ import annotations

import os
import time

from benchmarks.workloads.measure import Timer, configure_tf_threads, random_inputs, rss_mb


def bench(spec: dict, result: dict) -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    tf = configure_tf_threads()
    import transformers
    from transformers import LongformerConfig, TFLongformerForSequenceClassification, TFLongformerModel

    tf.random.set_seed(int(spec.get("seed", 0)))
    config = LongformerConfig(**spec["model"])
    ids, attention, global_mask, labels = random_inputs(spec)
    ids, attention, global_mask = (tf.constant(x, tf.int32) for x in (ids, attention, global_mask))
    labels = tf.constant(labels, tf.int32)
    result["versions"] = {"tensorflow": tf.__version__, "transformers": transformers.__version__}
    eager = bool(spec.get("eager", False))
    start = time.perf_counter()

    def maybe_function(fn):
        return fn if eager else tf.function(fn)

    if spec["workload"] == "forward":
        model = TFLongformerModel(config)
        if hasattr(model, "build_in_name_scope"):
            model.build_in_name_scope()
        result["mode"] = "eager" if eager else "tf.function (fixed shapes)"

        @maybe_function
        def forward(ids, attention, global_mask):
            out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=False)
            return out.last_hidden_state, out.pooler_output

        def step():
            hidden, pooled = forward(ids, attention, global_mask)
            hidden.numpy()
            pooled.numpy()

    elif spec["workload"] == "train":
        import tf_keras

        config.num_labels = 2
        model = TFLongformerForSequenceClassification(config)
        if hasattr(model, "build_in_name_scope"):
            model.build_in_name_scope()
        optimizer = tf_keras.optimizers.Adam(learning_rate=1e-5)
        result["mode"] = ("eager" if eager else "tf.function") + " train step, Adam"

        @maybe_function
        def train_step(ids, attention, global_mask, labels):
            with tf.GradientTape() as tape:
                out = model(
                    input_ids=ids,
                    attention_mask=attention,
                    global_attention_mask=global_mask,
                    labels=labels,
                    training=True,
                )
                loss = tf.reduce_mean(out.loss)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        def step():
            train_step(ids, attention, global_mask, labels).numpy()

    else:
        raise ValueError(f"unknown workload {spec['workload']}")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(step)
