"""One benchmark measurement in a fresh process: `python -m benchmarks.worker SPEC.json`.

The parent (`benchmarks.run`) starts one worker per (implementation, workload, length) so
that each process's peak resident memory belongs to that measurement alone. Workers run
under different interpreters (ours, the reference TF venv, the reference PyTorch venv), so
this module imports only the standard library at the top; each implementation imports its
framework lazily.

The spec (JSON) holds: impl, workload ("forward" | "train" | "matmul"), length, model (a
config dict, see `flops.BASE_4096`), global_tokens, warmup, repeats, time_limit_s, seed,
matmul_size, and result (the path the result JSON is written to).

The result holds: ok, times_s (the timed runs), median_s, first_call_s (the first call,
which for TF includes tracing), build_s (constructing the model and its weights),
peak_rss_mb (VmHWM of this process), ru_maxrss_mb, rss_after_build_mb, versions, notes; or
ok = False and error.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
import traceback

from benchmarks import machine

_T0 = time.perf_counter()


# --------------------------------------------------------------------------------------
# process measurements


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024


def peak_rss_mb() -> float | None:
    kb = _status_kb("VmHWM")
    return None if kb is None else kb / 1024


def ru_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Timer:
    """Times a callable: a first call, then warm-ups, then timed runs within a deadline."""

    def __init__(self, spec: dict, result: dict):
        self.spec = spec
        self.result = result
        self.deadline = _T0 + float(spec.get("time_limit_s", 600)) * 0.92

    def run(self, fn) -> None:
        warmup = max(1, int(self.spec.get("warmup", 1)))
        repeats = max(1, int(self.spec.get("repeats", 3)))
        start = time.perf_counter()
        fn()
        first = time.perf_counter() - start
        self.result["first_call_s"] = first
        last = first
        for _ in range(warmup - 1):
            if time.perf_counter() + last > self.deadline:
                break
            start = time.perf_counter()
            fn()
            last = time.perf_counter() - start
        times: list[float] = []
        for index in range(repeats):
            if index > 0 and time.perf_counter() + last > self.deadline:
                self.result.setdefault("notes", []).append(
                    f"timed runs cut to {len(times)} of {repeats} by the worker time limit"
                )
                break
            start = time.perf_counter()
            fn()
            last = time.perf_counter() - start
            times.append(last)
        self.result["times_s"] = times
        self.result["median_s"] = statistics.median(times)


def random_inputs(spec: dict):
    """Token ids (batch 1), <s> first, no padding id; one global token per `global_tokens`."""
    import numpy as np

    rng = np.random.default_rng(spec.get("seed", 0))
    n = int(spec["length"])
    vocab = int(spec["model"]["vocab_size"])
    ids = rng.integers(3, vocab, size=(1, n), dtype=np.int64)
    ids[0, 0] = 0
    attention = np.ones((1, n), dtype=np.int64)
    global_mask = np.zeros((1, n), dtype=np.int64)
    global_mask[0, : int(spec.get("global_tokens", 1))] = 1
    labels = np.array([1], dtype=np.int64)
    return ids, attention, global_mask, labels


def _configure_tf_threads():
    import tensorflow as tf

    threads = os.environ.get("BENCH_THREADS")
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
    return tf


# --------------------------------------------------------------------------------------
# the dense matmul rate (floors)


def bench_matmul(spec: dict, result: dict) -> None:
    import numpy as np

    tf = _configure_tf_threads()
    size = int(spec.get("matmul_size", 2048))
    details = {
        dtype_name: machine.matmul_rate(
            tf, dtype_name, size, int(spec.get("repeats", 5)), float(spec.get("matmul_seconds", 6.0))
        )
        for dtype_name in ("float32", "bfloat16")
    }
    rates = {dtype_name: detail.pop("gflops") * 1e9 for dtype_name, detail in details.items()}
    # numpy float32 for comparison (OpenBLAS; not the floor TF models run at).
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a
    times = []
    for _ in range(3):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    rates["numpy_float32"] = 2 * size**3 / statistics.median(times)
    result.update(
        matmul_size=size,
        gflops=rates and {k: v / 1e9 for k, v in rates.items()},
        details=details,
        median_s=details["float32"]["median_s"],
        versions={"tensorflow": tf.__version__, "numpy": np.__version__},
    )


# --------------------------------------------------------------------------------------
# ours: tf_longformer


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


def bench_ours(spec: dict, result: dict) -> None:
    tf = _configure_tf_threads()
    import keras
    import numpy as np

    variant = spec["impl"]  # ours | ours-bf16 | ours-xla | ours-bf16-xla | ours-ckpt
    jit = variant.endswith("-xla")
    if variant.startswith("ours-bf16"):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    import tf_longformer

    keras.utils.set_random_seed(int(spec.get("seed", 0)))
    fields = dict(spec["model"])
    config_kwargs = {}
    if variant == "ours-ckpt":
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
        return _bench_ours_predict(tf, tf_longformer, config, model_kwargs, spec, result, (ids, attention, global_mask))
    elif spec["workload"] == "fit":
        return _bench_ours_fit(tf, keras, tf_longformer, config, spec, result, (ids, attention, global_mask, labels))
    else:
        raise ValueError(f"unknown workload {spec['workload']}")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(step)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _bench_ours_predict(tf, tf_longformer, config, model_kwargs, spec, result, inputs) -> None:
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

    result["first_call_s"] = _timed(predict)
    repeats = max(1, int(spec.get("repeats", 3)))
    times = [_timed(predict)]
    result["forward_first_call_s"] = _timed(function_forward)
    forward_times = []
    for _ in range(repeats):
        forward_times.append(_timed(function_forward))
        times.append(_timed(predict))
    result["times_s"], result["forward_times_s"] = times, forward_times
    result["median_s"] = statistics.median(times)
    result["forward_median_s"] = statistics.median(forward_times)
    result["predict_traces"] = model.predict_function.experimental_get_tracing_count()


def _bench_ours_fit(tf, keras, tf_longformer, config, spec, result, inputs) -> None:
    """`model.fit` (sequence classification, Adam, batch 1) against the suite's custom train step.

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
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-5))
    result["build_s"] = time.perf_counter() - start
    result["mode"] = "model.fit(dict of numpy, labels, batch_size=1), compile(Adam) with the head's loss"
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
    result["custom_first_call_s"] = _timed(custom)
    custom_times = []
    for _ in range(repeats):
        custom_times.append(_timed(custom))
        start = time.perf_counter()
        step_times += fit()
        call_times.append(time.perf_counter() - start)
    result["times_s"], result["fit_call_times_s"], result["custom_times_s"] = step_times, call_times, custom_times
    result["median_s"] = statistics.median(step_times)
    result["fit_call_median_s"] = statistics.median(call_times)
    result["custom_median_s"] = statistics.median(custom_times)


# --------------------------------------------------------------------------------------
# the dense full-attention baseline (Keras 3, in our interpreter)


def bench_dense(spec: dict, result: dict) -> None:
    tf = _configure_tf_threads()
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


# --------------------------------------------------------------------------------------
# reference TensorFlow: transformers 4.x TF classes on tf-keras


def bench_ref_tf(spec: dict, result: dict) -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    tf = _configure_tf_threads()
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


# --------------------------------------------------------------------------------------
# reference PyTorch: transformers 4.x


def bench_ref_torch(spec: dict, result: dict) -> None:
    import torch
    import transformers
    from transformers import LongformerConfig, LongformerForSequenceClassification, LongformerModel

    threads = int(os.environ.get("BENCH_THREADS") or 2)
    torch.set_num_threads(threads)
    torch.manual_seed(int(spec.get("seed", 0)))
    config = LongformerConfig(**spec["model"])
    ids, attention, global_mask, labels = (torch.from_numpy(x) for x in random_inputs(spec))
    result["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    result["threads"] = threads
    start = time.perf_counter()
    if spec["workload"] == "forward":
        model = LongformerModel(config).eval()
        result["mode"] = "eager, eval, torch.inference_mode"

        def step():
            with torch.inference_mode():
                out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask)
                out.last_hidden_state.sum().item()

    elif spec["workload"] == "train":
        config.num_labels = 2
        model = LongformerForSequenceClassification(config).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
        result["mode"] = "eager train step, Adam"

        def step():
            optimizer.zero_grad(set_to_none=True)
            out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, labels=labels)
            out.loss.backward()
            optimizer.step()
            out.loss.item()

    else:
        raise ValueError(f"unknown workload {spec['workload']}")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(step)


IMPLS = {
    "matmul": bench_matmul,
    "ours": bench_ours,
    "ours-bf16": bench_ours,
    "ours-xla": bench_ours,
    "ours-bf16-xla": bench_ours,
    "ours-ckpt": bench_ours,
    "dense-keras": bench_dense,
    "ref-tf": bench_ref_tf,
    "ref-torch": bench_ref_torch,
}


def short_reason(error: BaseException) -> str:
    """One line: the exception class and the line of its message that says what went wrong
    (for TF graph errors that is the line after the node's stack, e.g. "Incompatible shapes")."""
    if isinstance(error, MemoryError):
        return "MemoryError: out of memory"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    noise = ("File ", "Detected at node", "Graph execution error", "[[", "Traceback", "Node:")
    useful = [line for line in lines if not line.startswith(noise)]
    text = useful[0] if useful else (lines[0] if lines else "")
    node = next((line for line in lines if line.startswith("Detected at node")), "")
    if node:
        name = node.split("Detected at node", 1)[1].split(" defined at", 1)[0].strip()
        parts = name.split("/")
        text += f" (at {'/'.join(parts[-3:]) if len(parts) > 3 else name})"
    return f"{type(error).__name__}: {text}"[:200]


def main(argv: list[str]) -> int:
    with open(argv[1]) as handle:
        spec = json.load(handle)
    result: dict = {"ok": False, "pid": os.getpid()}
    try:
        IMPLS[spec["impl"]](spec, result)
        result["ok"] = True
    except BaseException as error:  # noqa: BLE001 - every failure becomes a table entry
        result["error"] = short_reason(error)
        result["traceback"] = traceback.format_exc()[-4000:]
    result["peak_rss_mb"] = peak_rss_mb()
    result["ru_maxrss_mb"] = ru_maxrss_mb()
    result["worker_wall_s"] = time.perf_counter() - _T0
    with open(spec["result"], "w") as handle:
        json.dump(result, handle, indent=1, default=str)
    sys.stdout.flush()
    # Skip interpreter teardown (TF's can take seconds or hang on exit).
    os._exit(0 if result["ok"] else 3)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
