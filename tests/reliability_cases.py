"""Tiny models and seeded inputs shared by the reliability tests (tests/reliability/test_reliability_*.py)."""

from __future__ import annotations

import keras
import numpy as np

import tf_longformer as tfl

VOCAB, PAD, BOS, SEP = 40, 1, 0, 2
WINDOW = 4
MAX_POSITIONS = 40
MAX_LENGTH = MAX_POSITIONS - PAD - 1  # config.max_sequence_length
NUM_LABELS = 3
HEADS = {
    "base": tfl.LongformerModel,
    "masked_lm": tfl.LongformerForMaskedLM,
    "sequence_classification": tfl.LongformerForSequenceClassification,
    "token_classification": tfl.LongformerForTokenClassification,
    "question_answering": tfl.LongformerForQuestionAnswering,
    "multiple_choice": tfl.LongformerForMultipleChoice,
}
TASKS = list(HEADS)
HEAD_TASKS = TASKS[1:]
# The outputs each model's numbers are compared on ([batch, length, ...] ones first).
TOKEN_OUTPUTS = {
    "base": ["last_hidden_state"],
    "masked_lm": ["logits"],
    "token_classification": ["logits"],
    "question_answering": ["start_logits", "end_logits"],
}
OUTPUTS = {
    **TOKEN_OUTPUTS,
    "base": ["last_hidden_state", "pooler_output"],
    "sequence_classification": ["logits"],
    "multiple_choice": ["logits"],
}


def tiny_config(task: str = "base", **overrides) -> tfl.LongformerConfig:
    values = dict(
        vocab_size=VOCAB,
        hidden_size=8,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=16,
        attention_window=WINDOW,
        max_position_embeddings=MAX_POSITIONS,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=PAD,
        bos_token_id=BOS,
        sep_token_id=SEP,
        num_labels=2 if task == "question_answering" else NUM_LABELS,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


def make_model(task: str, seed: int = 0, model_kwargs=None, **overrides):
    keras.utils.set_random_seed(seed)
    model = HEADS[task](tiny_config(task, **overrides), **(model_kwargs or {}))
    model._ensure_built()
    return model


def make_inputs(
    task: str,
    rng: np.random.Generator,
    batch: int,
    length: int,
    choices: int = 2,
    global_rate: float = 0.2,
    padding: bool = True,
) -> dict[str, np.ndarray]:
    """Random ids with `<s>` first and a separator at min(2, length - 1) (so automatic global
    attention applies), right padding of random length on random rows, random global tokens."""
    shape = (batch, choices, length) if task == "multiple_choice" else (batch, length)
    ids = rng.integers(3, VOCAB, size=shape).astype(np.int32)
    ids[..., 0] = BOS
    ids[..., min(2, length - 1)] = SEP
    mask = np.ones_like(ids)
    if padding:
        for index in np.ndindex(shape[:-1]):
            if rng.random() < 0.5:
                keep = int(rng.integers(min(3, length), length + 1))  # the separator stays
                mask[index][keep:] = 0
                ids[index][keep:] = PAD
    global_mask = (rng.random(shape) < global_rate).astype(np.int32)
    return {"input_ids": ids, "attention_mask": mask, "global_attention_mask": global_mask}


def valid_labels(task: str, inputs: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    ids = inputs["input_ids"]
    batch, length = ids.shape[0], ids.shape[-1]
    if task in ("masked_lm", "token_classification"):
        classes = VOCAB if task == "masked_lm" else NUM_LABELS
        return {"labels": rng.integers(0, classes, size=ids.shape).astype(np.int32)}
    if task == "sequence_classification":
        return {"labels": rng.integers(0, NUM_LABELS, size=batch).astype(np.int32)}
    if task == "question_answering":
        start = rng.integers(0, length, size=batch).astype(np.int32)
        return {"start_positions": start, "end_positions": start}
    if task == "multiple_choice":
        return {"labels": rng.integers(0, ids.shape[1], size=batch).astype(np.int32)}
    return {}


def outputs_of(model, task: str, inputs, **kwargs) -> dict[str, np.ndarray]:
    out = model(**inputs, **kwargs)
    return {name: np.asarray(out[name]) for name in OUTPUTS[task]}
