"""Tiny configs and batches for the training tests (every head, seconds each)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

import tf_longformer as tfl

SEP, BOS, PAD, VOCAB = 2, 0, 1, 40


def tiny_config(**overrides) -> tfl.LongformerConfig:
    values = dict(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        attention_window=4,
        max_position_embeddings=80,
        num_labels=3,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        bos_token_id=BOS,
        pad_token_id=PAD,
        sep_token_id=SEP,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


def token_ids(rng, batch: int, length: int, question: int = 3) -> np.ndarray:
    """`<s> q.. </s></s> c.. </s>` rows (separators for QA / multiple choice auto global attention)."""
    ids = rng.integers(4, VOCAB, size=(batch, length)).astype("int32")
    ids[:, 0] = BOS
    ids[:, question + 1 : question + 3] = SEP
    ids[:, -1] = SEP
    return ids


def head_batch(task: str, rng, batch: int = 4, length: int = 12, num_labels: int = 3, choices: int = 2):
    """(inputs dict, Keras y) for one head."""
    if task == "multiple_choice":
        ids = np.stack([token_ids(rng, choices, length) for _ in range(batch)])
        return {"input_ids": ids, "attention_mask": np.ones_like(ids)}, rng.integers(0, choices, batch).astype("int32")
    ids = token_ids(rng, batch, length)
    inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if task == "masked_lm":
        labels = np.full_like(ids, -100)
        labels[:, 5:8] = ids[:, 5:8]
        return inputs, labels
    if task == "sequence_classification":
        return inputs, rng.integers(0, num_labels, batch).astype("int32")
    if task == "token_classification":
        return inputs, rng.integers(0, num_labels, (batch, length)).astype("int32")
    if task == "question_answering":
        start = rng.integers(6, length - 3, batch).astype("int32")
        return inputs, {"start_positions": start, "end_positions": start + 1}
    raise ValueError(task)


HEADS = {
    "masked_lm": (tfl.LongformerForMaskedLM, {}),
    "sequence_classification": (tfl.LongformerForSequenceClassification, {}),
    "token_classification": (tfl.LongformerForTokenClassification, {}),
    "question_answering": (tfl.LongformerForQuestionAnswering, {"num_labels": 2}),
    "multiple_choice": (tfl.LongformerForMultipleChoice, {}),
}


def make_head(task: str, **model_kwargs):
    cls, config = HEADS[task]
    return cls(tiny_config(**config), **model_kwargs)


def dataset(task: str, seed: int = 0, batches: int = 2, batch: int = 4, length: int = 12) -> tf.data.Dataset:
    rng = np.random.default_rng(seed)
    parts = [head_batch(task, rng, batch, length) for _ in range(batches)]
    inputs = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    y = parts[0][1]
    if isinstance(y, dict):
        y = {k: np.concatenate([p[1][k] for p in parts]) for k in y}
    else:
        y = np.concatenate([p[1] for p in parts])
    return tf.data.Dataset.from_tensor_slices((inputs, y)).batch(batch)
