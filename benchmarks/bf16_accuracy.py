"""How far `mixed_bfloat16` moves tf_longformer's outputs from float32: `python -m benchmarks.bf16_accuracy`.

Two measurements, both with identical weights in both dtypes (the float32
model is built from a seed, the `mixed_bfloat16` one gets its weights by `set_weights`):

    forward    the base config (or `--model tiny`), `--rows` random rows of `--length` tokens
               (random ids, random right padding, global attention on position 0 and a few
               random tokens). Per dtype one encoder pass; the QA head
               (`LongformerForQuestionAnswering.head_outputs`, i.e. `qa_outputs`) and the
               sequence classification head (3 labels) run on its `last_hidden_state`, which
               is what the task models' `call` does. Reported: max and mean |bf16 - float32| of
               `last_hidden_state` over the unpadded tokens (absolute and relative to the float32
               output's std), and the argmax agreement of the QA start / end logits (over the
               unpadded positions) and of the classification logits.
    fine-tune  a tiny config trained from the same initial weights on the same batches, float32
               against `mixed_bfloat16`, Adam, sequence classification of a learnable synthetic
               task (label 1 when a marker token occurs in the row); the training loss at a few
               steps and the held-out loss at the end, against a stated tolerance.

No pretrained checkpoint is available offline: the weights are random (seeded). Random heads
give near-tied logits, so a bf16 rounding error can flip an argmax that means nothing; the
forward table therefore also gives the agreement on the rows whose float32 top-2 margin
exceeds the head's bf16 error scale (twice the RMS of its logit differences over all rows),
and how many rows that is.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from benchmarks import machine, training
from benchmarks.configs import MODELS, model_for

POLICIES = ("float32", "mixed_bfloat16")
GLOBAL_TOKENS = 3  # random global tokens per row, besides position 0
CLASSIFICATION_LABELS = 3
MARKER_TOKEN = 7  # the fine-tune's label: whether this id occurs in the row
# The stated tolerance for the fine-tune: |final loss bf16 - float32| within either.
TOLERANCE_ABSOLUTE = 0.02
TOLERANCE_RELATIVE = 0.05


# --------------------------------------------------------------------------------------
# inputs


def random_rows(rng: np.random.Generator, rows: int, length: int, vocab: int) -> dict:
    """Random ids (<s> first), right padding to a random length in [length / 2, length], and
    global attention on position 0 plus `GLOBAL_TOKENS` random unpadded tokens per row."""
    ids = rng.integers(3, vocab, size=(rows, length), dtype=np.int32)
    ids[:, 0] = 0
    valid = rng.integers(length // 2, length + 1, size=rows)
    attention = (np.arange(length)[None, :] < valid[:, None]).astype(np.int32)
    ids[attention == 0] = 1  # pad id
    global_mask = np.zeros((rows, length), np.int32)
    global_mask[:, 0] = 1
    for row, size in enumerate(valid):
        global_mask[row, rng.choice(np.arange(1, size), GLOBAL_TOKENS, replace=False)] = 1
    return {"input_ids": ids, "attention_mask": attention, "global_attention_mask": global_mask}


def batches(inputs: dict, batch: int):
    """Consecutive slices of every array in `inputs`, `batch` rows each."""
    rows = len(inputs["input_ids"])
    for start in range(0, rows, batch):
        yield {name: array[start : start + batch] for name, array in inputs.items()}


# --------------------------------------------------------------------------------------
# models with identical weights


def config_of(tf_longformer, fields: dict, **overrides):
    return tf_longformer.LongformerConfig(**{**fields, **overrides})


def twin_models(keras, model_class, config, seed: int) -> dict:
    """{policy: model} for `POLICIES`, the float32 one from `seed`, the others its weights."""
    keras.utils.set_random_seed(seed)
    models = {}
    for policy in POLICIES:
        model = model_class(config, dtype=policy)
        model.build(None)
        if models:
            model.set_weights(models["float32"].get_weights())
        models[policy] = model
    return models


# --------------------------------------------------------------------------------------
# forward: outputs and heads


def forward_function(tf, qa_model, classifier_model):
    """A traced pass: the QA model's encoder, then both heads on its `last_hidden_state`."""
    signature = [tf.TensorSpec([None, None], tf.int32)] * 3

    @tf.function(input_signature=signature)
    def forward(input_ids, attention_mask, global_attention_mask):
        encoded = qa_model.longformer(
            input_ids=input_ids,
            attention_mask=attention_mask,
            global_attention_mask=global_attention_mask,
            training=False,
        )
        qa = qa_model.head_outputs(encoded, None, False)
        logits = classifier_model.head_outputs(encoded, None, False)["logits"]
        outputs = {"hidden": encoded["last_hidden_state"], **qa, "classes": logits}
        return {name: tf.cast(value, tf.float32) for name, value in outputs.items()}

    return forward


@dataclass
class Comparison:
    """Accumulated float32 / bf16 differences over the batches of the forward measurement."""

    hidden_max: float = 0.0
    hidden_abs_sum: float = 0.0
    hidden_count: int = 0
    hidden_float32: list = field(default_factory=list)  # a subsample, for the std
    logits: dict = field(default_factory=dict)  # head -> {"float32": [...], "bf16": [...]}

    def add(self, reference: dict, low: dict, attention: np.ndarray) -> None:
        valid = attention.astype(bool)
        difference = np.abs(low["hidden"] - reference["hidden"])[valid]
        self.hidden_max = max(self.hidden_max, float(difference.max()))
        self.hidden_abs_sum += float(difference.sum())
        self.hidden_count += difference.size
        self.hidden_float32.append(reference["hidden"][valid][::16])
        for head in ("start_logits", "end_logits"):  # padded positions can never be the answer
            self._add_logits(head, *(np.where(valid, out[head], -np.inf) for out in (reference, low)))
        self._add_logits("classes", reference["classes"], low["classes"])

    def _add_logits(self, head: str, reference: np.ndarray, low: np.ndarray) -> None:
        pair = self.logits.setdefault(head, {"float32": [], "bf16": []})
        pair["float32"].extend(reference)
        pair["bf16"].extend(low)

    def hidden_row(self) -> dict:
        std = float(np.concatenate(self.hidden_float32).std())
        mean = self.hidden_abs_sum / self.hidden_count
        return {"max": self.hidden_max, "mean": mean, "std": std}

    def head_rows(self) -> dict:
        return {head: argmax_agreement(np.stack(p["float32"]), np.stack(p["bf16"])) for head, p in self.logits.items()}


def top2_margin(logits: np.ndarray) -> np.ndarray:
    """Per row, the largest logit minus the second largest."""
    top = np.sort(logits, axis=-1)
    return top[:, -1] - top[:, -2]


def argmax_agreement(reference: np.ndarray, low: np.ndarray) -> dict:
    """All-row agreement, and the agreement where the float32 margin exceeds the error scale."""
    finite = np.isfinite(reference)
    error_scale = 2 * float(np.sqrt(np.mean((low[finite] - reference[finite]) ** 2)))
    same = np.argmax(reference, -1) == np.argmax(low, -1)
    clear = top2_margin(reference) > error_scale
    return {
        "rows": len(same),
        "agree": float(same.mean()),
        "error_scale": error_scale,
        "logit_std": float(reference[finite].std()),
        "clear_rows": int(clear.sum()),
        "clear_agree": float(same[clear].mean()) if clear.any() else float("nan"),
    }


def measure_forward(tf, keras, tf_longformer, args) -> tuple[Comparison, float]:
    fields = model_for(args.model, args.length)
    qa_models = twin_models(keras, tf_longformer.LongformerForQuestionAnswering, config_of(tf_longformer, fields), 1)
    classifier_config = config_of(tf_longformer, fields, num_labels=CLASSIFICATION_LABELS)
    classifier_models = twin_models(keras, tf_longformer.LongformerForSequenceClassification, classifier_config, 2)
    forwards = {policy: forward_function(tf, qa_models[policy], classifier_models[policy]) for policy in POLICIES}
    inputs = random_rows(np.random.default_rng(args.seed), args.rows, args.length, fields["vocab_size"])
    comparison = Comparison()
    start = time.perf_counter()
    for done, batch in enumerate(batches(inputs, args.batch), 1):
        tensors = {name: tf.constant(array) for name, array in batch.items()}
        outputs = {policy: {k: v.numpy() for k, v in forwards[policy](**tensors).items()} for policy in POLICIES}
        comparison.add(outputs["float32"], outputs["mixed_bfloat16"], batch["attention_mask"])
        print(f"  forward: {done * args.batch} rows, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return comparison, time.perf_counter() - start


def forward_table(comparison: Comparison) -> list[str]:
    hidden = comparison.hidden_row()
    lines = [
        "| `last_hidden_state`, unpadded tokens | max abs diff | mean abs diff | float32 std | max / std | mean / std |",
        "|---|---:|---:|---:|---:|---:|",
        f"| bf16 vs float32 | {hidden['max']:.4f} | {hidden['mean']:.5f} | {hidden['std']:.4f} "
        f"| {hidden['max'] / hidden['std']:.4f} | {hidden['mean'] / hidden['std']:.5f} |",
        "",
        "| head | rows | argmax agreement, all rows | float32 logit std | bf16 error scale (2 × RMS logit diff) "
        "| rows with float32 top-2 margin > scale | agreement on those |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"start_logits": "QA start", "end_logits": "QA end", "classes": f"classification ({CLASSIFICATION_LABELS})"}
    for head, row in comparison.head_rows().items():
        lines.append(
            f"| {names[head]} | {row['rows']} | {row['agree']:.1%} | {row['logit_std']:.4f} | {row['error_scale']:.4f} "
            f"| {row['clear_rows']} | {row['clear_agree']:.1%} |"
        )
    return lines


# --------------------------------------------------------------------------------------
# fine-tune


def marker_task(rng: np.random.Generator, rows: int, length: int, vocab: int) -> tuple[dict, np.ndarray]:
    """Random rows (no padding, global position 0); label 1 on half of them, which hold
    `MARKER_TOKEN` once at a random position; the others never hold it."""
    ids = rng.integers(MARKER_TOKEN + 1, vocab, size=(rows, length), dtype=np.int32)
    ids[:, 0] = 0
    labels = (np.arange(rows) % 2).astype(np.int32)
    rng.shuffle(labels)
    positions = rng.integers(1, length, size=rows)
    ids[labels == 1, positions[labels == 1]] = MARKER_TOKEN
    global_mask = np.zeros_like(ids)
    global_mask[:, 0] = 1
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "global_attention_mask": global_mask}, labels


def held_out_loss(tf, model, inputs: dict, labels: np.ndarray, batch: int) -> float:
    losses = []
    for start, chunk in zip(range(0, len(labels), batch), batches(inputs, batch)):
        tensors = {name: tf.constant(array) for name, array in chunk.items()}
        out = model(**tensors, labels=tf.constant(labels[start : start + batch]), training=False)
        losses.append(float(out.loss) * len(chunk["input_ids"]))
    return sum(losses) / len(labels)


def fine_tune(tf, keras, model, data: dict, args) -> dict:
    """Trains `model` on the same batches in the same order; its losses and time."""
    step = training.train_step_function(tf, keras, model, args.learning_rate)
    (train, train_labels), (test, test_labels) = data["train"], data["test"]
    losses = []
    start = time.perf_counter()
    order = np.random.default_rng(args.seed).permutation(len(train_labels) * args.epochs) % len(train_labels)
    for index in range(args.steps):
        rows = order[(index * args.train_batch) % len(order) :][: args.train_batch]
        tensors = [tf.constant(train[name][rows]) for name in ("input_ids", "attention_mask", "global_attention_mask")]
        losses.append(float(step(*tensors, tf.constant(train_labels[rows]))))
    return {
        "losses": np.array(losses),
        "test_loss": held_out_loss(tf, model, test, test_labels, args.train_batch),
        "seconds": time.perf_counter() - start,
    }


def measure_fine_tune(tf, keras, tf_longformer, args) -> dict:
    fields = dict(MODELS["tiny"])
    config = config_of(tf_longformer, fields, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    models = twin_models(keras, tf_longformer.LongformerForSequenceClassification, config, 3)
    rng = np.random.default_rng(args.seed + 1)
    data = {
        split: marker_task(rng, rows, args.train_length, fields["vocab_size"])
        for split, rows in (("train", args.train_rows), ("test", args.train_rows // 4))
    }
    runs = {}
    for policy in POLICIES:
        runs[policy] = fine_tune(tf, keras, models[policy], data, args)
        print(f"  fine-tune {policy}: {runs[policy]['seconds']:.0f} s", file=sys.stderr, flush=True)
    return runs


def window_mean(losses: np.ndarray, end: int, width: int) -> float:
    """Mean training loss over the `width` steps up to step `end` (smooths batch noise)."""
    return float(losses[max(0, end - width) : end].mean())


def fine_tune_table(runs: dict, steps: int) -> list[str]:
    width = max(1, steps // 10)
    points = sorted({width, steps // 4, steps // 2, 3 * steps // 4, steps})
    reference, low = runs["float32"], runs["mixed_bfloat16"]
    lines = [
        f"| step (training loss, mean of the {width} steps up to it) | float32 | mixed_bfloat16 | difference |",
        "|---|---:|---:|---:|",
    ]
    for point in points:
        a, b = window_mean(reference["losses"], point, width), window_mean(low["losses"], point, width)
        lines.append(f"| {point} | {a:.4f} | {b:.4f} | {b - a:+.4f} |")
    a, b = reference["test_loss"], low["test_loss"]
    lines.append(f"| held-out loss after step {steps} | {a:.4f} | {b:.4f} | {b - a:+.4f} |")
    lines.append(f"| wall time, s | {reference['seconds']:.0f} | {low['seconds']:.0f} | |")
    met = abs(b - a) <= TOLERANCE_ABSOLUTE or abs(b - a) <= TOLERANCE_RELATIVE * abs(a)
    lines += [
        "",
        f"Tolerance: |Δ held-out loss| ≤ {TOLERANCE_ABSOLUTE} absolute or ≤ {TOLERANCE_RELATIVE:.0%} of the "
        f"float32 loss: **{'met' if met else 'not met'}** (Δ = {b - a:+.4f}, {abs(b - a) / max(abs(a), 1e-12):.1%}).",
    ]
    return lines


# --------------------------------------------------------------------------------------
# report


def header(args, argv) -> list[str]:
    command = "python -m benchmarks.bf16_accuracy " + shlex.join(argv if argv is not None else sys.argv[1:])
    return [
        *machine.header_lines(),
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {machine.load_average()}",
        f"Command: `{command.strip()}`",
        "Weights: random, seeded (no pretrained checkpoint offline); the mixed_bfloat16 model has the float32 "
        "model's weights (`set_weights`).",
    ]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bf16_accuracy")
    parser.add_argument("--parts", nargs="+", choices=("forward", "fine-tune"), default=["forward", "fine-tune"])
    parser.add_argument("--model", choices=sorted(MODELS), default="base", help="the forward measurement's config")
    parser.add_argument("--length", type=int, default=1024, help="forward: tokens per row (before padding)")
    parser.add_argument("--rows", type=int, default=256, help="forward: random rows in all")
    parser.add_argument("--batch", type=int, default=4, help="forward: rows per batch")
    parser.add_argument("--train-length", type=int, default=256)
    parser.add_argument("--train-rows", type=int, default=512)
    parser.add_argument("--train-batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=8, help="passes the shuffled order covers (>= steps' need)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="also write the report (Markdown) here")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import keras
    import tensorflow as tf

    import tf_longformer

    lines = header(args, argv)
    printed = len(lines)
    print("\n".join(lines), flush=True)
    if "forward" in args.parts:
        comparison, seconds = measure_forward(tf, keras, tf_longformer, args)
        lines += [
            "",
            f"## Forward: `{args.model}` config, {args.rows} rows of {args.length} tokens "
            f"(random padding to ≥ {args.length // 2}, {GLOBAL_TOKENS + 1} global tokens), {seconds:.0f} s",
            "",
            *forward_table(comparison),
        ]
    if "fine-tune" in args.parts:
        runs = measure_fine_tune(tf, keras, tf_longformer, args)
        lines += [
            "",
            f"## Fine-tune: tiny config, sequence classification (marker token present?), {args.steps} steps of "
            f"{args.train_batch} × {args.train_length} tokens, Adam {args.learning_rate:g}, dropout 0",
            "",
            *fine_tune_table(runs, args.steps),
        ]
    lines.append(f"\nload average after: {machine.load_average()}")
    report = "\n".join(lines)
    print("\n".join(lines[printed:]))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
