"""tf_longformer's forward and training step, each in a `tf.function` with a [None, None] signature."""

from __future__ import annotations

import time

from benchmarks.workloads import keras_doors
from benchmarks.workloads.measure import Timer, configure_tf_threads, random_inputs, rss_mb


def _ours_head(tf_longformer, keras, config, spec, result):
    """Sequence classification: the package's head if it has one, else the reference's head
    (dense + tanh + out_proj on token 0, with dropout) on `LongformerModel` (no pooler)."""
    head_class = getattr(tf_longformer, "LongformerForSequenceClassification", None)
    if head_class is not None:
        try:
            model = head_class(config)
            result["head"] = "tf_longformer.LongformerForSequenceClassification"

            def logits_of(ids, attention, global_mask, training):
                out = model(
                    input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=training
                )
                return out["logits"] if isinstance(out, dict) or hasattr(out, "keys") else out.logits

            return model, logits_of
        except Exception as error:  # noqa: BLE001 - a head we cannot drive: fall back
            result.setdefault("notes", []).append(f"head class unusable ({type(error).__name__}); fallback head")

    encoder = tf_longformer.LongformerModel(config, add_pooling_layer=False)
    dropout = keras.layers.Dropout(config.hidden_dropout_prob)
    dense = keras.layers.Dense(config.hidden_size, activation="tanh", name="classifier_dense")
    out_proj = keras.layers.Dense(config.num_labels, name="classifier_out_proj")

    class Head(keras.Model):
        def __init__(self):
            super().__init__()
            self.longformer, self.dropout, self.dense, self.out_proj = encoder, dropout, dense, out_proj

        def call(self, ids, attention, global_mask, training=None):
            hidden = self.longformer(
                input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=training
            )["last_hidden_state"][:, 0]
            hidden = self.dense(self.dropout(hidden, training=training))
            return self.out_proj(self.dropout(hidden, training=training))

    model = Head()
    result["head"] = "fallback: benchmarks' reference-style head on tf_longformer.LongformerModel"

    def logits_of(ids, attention, global_mask, training):
        return model(ids, attention, global_mask, training=training)

    return model, logits_of


def bench(spec: dict, result: dict) -> None:
    tf = configure_tf_threads()
    import keras
    import numpy as np

    variant = spec["impl"]  # ours | ours-bf16 | ours-xla | ours-bf16-xla | ours-ckpt | ours-bf16-ckpt
    jit = variant.endswith("-xla")
    if variant.startswith("ours-bf16"):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    import tf_longformer

    keras.utils.set_random_seed(int(spec.get("seed", 0)))
    fields = dict(spec["model"])
    config_kwargs = {}
    if variant.endswith("-ckpt"):
        probe = tf_longformer.LongformerConfig()
        if not hasattr(probe, "gradient_checkpointing"):
            raise RuntimeError("config has no gradient_checkpointing")
        config_kwargs["gradient_checkpointing"] = True
    config = tf_longformer.LongformerConfig(**fields, **config_kwargs)
    model_kwargs = {}
    if jit:
        model_kwargs["max_global_tokens"] = int(spec.get("global_tokens", 1))
    ids, attention, global_mask, labels = random_inputs(spec)
    ids, attention, global_mask = (tf.constant(x, tf.int32) for x in (ids, attention, global_mask))
    labels = tf.constant(labels, tf.int32)
    signature = [tf.TensorSpec([None, None], tf.int32)] * 3
    result["versions"] = {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tf_longformer": getattr(tf_longformer, "__version__", "?"),
    }
    result["dtype_policy"] = keras.mixed_precision.global_policy().name
    start = time.perf_counter()

    if spec["workload"] == "forward":
        model = tf_longformer.LongformerModel(config, **model_kwargs)
        model.build(None)
        if jit and not getattr(model, "supports_jit", True):
            raise RuntimeError("model reports supports_jit=False")
        result["mode"] = "tf.function(jit_compile=True)" if jit else "tf.function, [None, None] signature"

        @tf.function(input_signature=signature, jit_compile=jit)
        def forward(ids, attention, global_mask):
            out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=False)
            return out["last_hidden_state"], out["pooler_output"]

        def step():
            hidden, pooled = forward(ids, attention, global_mask)
            hidden.numpy()
            pooled.numpy()

    elif spec["workload"] == "train":
        model, logits_of = _ours_head(tf_longformer, keras, config, spec, result)
        logits_of(ids[:, :8], attention[:, :8], global_mask[:, :8], False)  # creates the weights
        variables = model.trainable_variables
        if spec.get("optimizer", "adam") == "fused-adam":
            from tf_longformer.training import FusedAdam

            optimizer, optimizer_name = FusedAdam(learning_rate=1e-5), "tf_longformer FusedAdam"
        else:
            optimizer, optimizer_name = keras.optimizers.Adam(learning_rate=1e-5), "Adam"
        optimizer.build(variables)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        result["mode"] = f"tf.function train step, [None, None] signature, {optimizer_name}"

        @tf.function(input_signature=signature + [tf.TensorSpec([None], tf.int32)])
        def train_step(ids, attention, global_mask, labels):
            with tf.GradientTape() as tape:
                logits = logits_of(ids, attention, global_mask, True)
                loss = loss_fn(labels, tf.cast(logits, tf.float32))
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))
            return loss

        def step():
            loss = train_step(ids, attention, global_mask, labels).numpy()
            if not np.isfinite(loss):
                raise FloatingPointError(f"loss is {loss}")

    elif spec["workload"] in ("predict", "predict-built"):
        return keras_doors.predict(tf, tf_longformer, config, model_kwargs, spec, result, (ids, attention, global_mask))
    elif spec["workload"] == "fit":
        return keras_doors.fit(tf, keras, tf_longformer, config, spec, result, (ids, attention, global_mask, labels))
    else:
        raise ValueError(f"unknown workload {spec['workload']}")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(step)
