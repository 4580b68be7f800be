"""The dense full-attention baseline: a Keras 3 `MultiHeadAttention` encoder (n x n scores), in our interpreter."""

from __future__ import annotations

import time

from benchmarks.workloads.measure import Timer, configure_tf_threads, random_inputs, rss_mb


def bench(spec: dict, result: dict) -> None:
    tf = configure_tf_threads()
    import keras

    from benchmarks.dense_baseline import build_dense_encoder

    keras.utils.set_random_seed(int(spec.get("seed", 0)))
    ids, _, _, _ = random_inputs(spec)
    ids = tf.constant(ids, tf.int32)
    result["versions"] = {"tensorflow": tf.__version__, "keras": keras.__version__}
    start = time.perf_counter()
    model = build_dense_encoder(spec["model"], max_length=int(spec["length"]))
    result["mode"] = "Keras 3 MultiHeadAttention encoder (n x n scores), tf.function"

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def forward(ids):
        return model(ids, training=False)

    if spec["workload"] != "forward":
        raise ValueError("the dense baseline has only the forward workload")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(lambda: forward(ids).numpy())
