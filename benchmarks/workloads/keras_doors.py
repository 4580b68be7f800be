"""tf_longformer through Keras' doors: `model.predict` and `model.fit`, against the `tf.function` paths in the same process."""

from __future__ import annotations

import statistics
import time

from benchmarks.workloads.measure import rss_mb, timed


def predict(tf, tf_longformer, config, model_kwargs, spec, result, inputs) -> None:
    """`model.predict` as users run it, against the suite's `tf.function` forward on the same model.

    "predict": the model's weights do not exist yet (the first `predict` creates them);
    "predict-built": a short eager call creates them first. Then steady `predict` calls and
    the `tf.function` forward ([None, None] signature, its first call too) interleaved.
    first_call_s / median_s are `predict`'s; forward_first_call_s / forward_median_s the function's.
    """
    ids, attention, global_mask = inputs
    x = {"input_ids": ids.numpy(), "attention_mask": attention.numpy(), "global_attention_mask": global_mask.numpy()}
    start = time.perf_counter()
    model = tf_longformer.LongformerModel(config, **model_kwargs)
    if spec["workload"] == "predict-built":
        model(input_ids=ids[:, :8], attention_mask=attention[:, :8], global_attention_mask=global_mask[:, :8])
        result["mode"] = "model.predict(dict of numpy, batch_size=1) after a short eager call built the weights"
    else:
        result["mode"] = "model.predict(dict of numpy, batch_size=1); its first call builds the weights"
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()

    def predict():
        model.predict(x, batch_size=1, verbose=0)

    signature = [tf.TensorSpec([None, None], tf.int32)] * 3

    @tf.function(input_signature=signature)
    def forward(ids, attention, global_mask):
        out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=False)
        return out["last_hidden_state"], out["pooler_output"]

    def function_forward():
        for tensor in forward(ids, attention, global_mask):
            tensor.numpy()

    result["first_call_s"] = timed(predict)
    repeats = max(1, int(spec.get("repeats", 3)))
    times = [timed(predict)]
    result["forward_first_call_s"] = timed(function_forward)
    forward_times = []
    for _ in range(repeats):
        forward_times.append(timed(function_forward))
        times.append(timed(predict))
    result["times_s"], result["forward_times_s"] = times, forward_times
    result["median_s"] = statistics.median(times)
    result["forward_median_s"] = statistics.median(forward_times)
    result["predict_traces"] = model.predict_function.experimental_get_tracing_count()


def fit(tf, keras, tf_longformer, config, spec, result, inputs) -> None:
    """`model.fit` (sequence classification, Adam or `spec["optimizer"]`, batch 1) against the suite's custom train step.

    The model is new: its first `fit` call creates the weights and the optimizer's slots, as a
    user's does. Steady `fit` steps are timed by a callback (batch begin -> end: the step
    itself, not `fit`'s set-up); `fit_call_times_s` are whole one-step `fit` calls. Then the
    `train` workload's `tf.function` step on the same model and optimizer: its first call
    (trace + graph set-up; weights exist), then steps interleaved with `fit` steps.
    first_call_s / median_s are `fit`'s (whole call, callback-timed step).
    """
    import numpy as np

    ids, attention, global_mask, labels = inputs
    x = {"input_ids": ids.numpy(), "attention_mask": attention.numpy(), "global_attention_mask": global_mask.numpy()}
    y = labels.numpy()
    start = time.perf_counter()
    model = tf_longformer.LongformerForSequenceClassification(config)
    # Keras' Adam unless the spec asks for ours (its update is one op per variable).
    from tf_longformer.training import FusedAdam

    fused = spec.get("optimizer", "adam") == "fused-adam"
    optimizer = (FusedAdam if fused else keras.optimizers.Adam)(learning_rate=1e-5)
    model.compile(optimizer=optimizer)
    result["build_s"] = time.perf_counter() - start
    name = type(optimizer).__name__
    result["mode"] = f"model.fit(dict of numpy, labels, batch_size=1), compile({name}) with the head's loss"
    result["head"] = "tf_longformer.LongformerForSequenceClassification"

    class StepTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_begin(self, batch, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.started)

    def fit(steps=1):
        timer = StepTimes()
        repeat = {k: np.repeat(v, steps, axis=0) for k, v in x.items()}
        history = model.fit(repeat, np.repeat(y, steps, axis=0), batch_size=1, epochs=1, verbose=0, callbacks=[timer])
        loss = history.history["loss"][-1]
        if not np.isfinite(loss):
            raise FloatingPointError(f"loss is {loss}")
        return timer.times

    start = time.perf_counter()
    first_steps = fit()
    result["first_call_s"] = time.perf_counter() - start
    result["first_step_s"] = first_steps[0]
    result["rss_after_build_mb"] = rss_mb()

    variables = model.trainable_variables
    optimizer = model.optimizer
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    signature = [tf.TensorSpec([None, None], tf.int32)] * 3 + [tf.TensorSpec([None], tf.int32)]

    @tf.function(input_signature=signature)
    def train_step(ids, attention, global_mask, labels):
        with tf.GradientTape() as tape:
            logits = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, training=True)
            loss = loss_fn(labels, tf.cast(logits["logits"], tf.float32))
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        return loss

    def custom():
        train_step(ids, attention, global_mask, labels).numpy()

    repeats = max(1, int(spec.get("repeats", 2)))
    step_times, call_times = [], []
    start = time.perf_counter()
    step_times += fit()
    call_times.append(time.perf_counter() - start)
    result["custom_first_call_s"] = timed(custom)
    custom_times = []
    for _ in range(repeats):
        custom_times.append(timed(custom))
        start = time.perf_counter()
        step_times += fit()
        call_times.append(time.perf_counter() - start)
    result["times_s"], result["fit_call_times_s"], result["custom_times_s"] = step_times, call_times, custom_times
    result["median_s"] = statistics.median(step_times)
    result["fit_call_median_s"] = statistics.median(call_times)
    result["custom_median_s"] = statistics.median(custom_times)
