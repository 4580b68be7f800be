"""Tiny models and input batches shared by the export tests (tests/test_export_*.py)."""

import keras
import numpy as np

import tf_longformer as tfl

VOCAB = 40
SEP = 2  # LongformerConfig's default sep_token_id
WINDOW = 8  # the largest attention window: inputs are padded to a multiple of it
LENGTHS = (1, 7, WINDOW - 1, WINDOW + 1, 3 * WINDOW)
BATCHES = (1, 3)
HEADS = {
    "base": "LongformerModel",
    "masked_lm": "LongformerForMaskedLM",
    "sequence_classification": "LongformerForSequenceClassification",
    "token_classification": "LongformerForTokenClassification",
    "question_answering": "LongformerForQuestionAnswering",
    "multiple_choice": "LongformerForMultipleChoice",
}
AUTO_GLOBAL_HEADS = ("sequence_classification", "question_answering", "multiple_choice")


def tiny_config(task="base", **overrides):
    values = dict(
        vocab_size=VOCAB, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        attention_window=WINDOW, max_position_embeddings=80, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, num_labels=2 if task == "question_answering" else 3,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


def make_model(task, seed=0, **overrides):
    keras.utils.set_random_seed(seed)
    model = getattr(tfl, HEADS[task])(tiny_config(task, **overrides))
    model.build()
    return model


def lengths():
    return sorted(set(LENGTHS))


def make_inputs(task, length, batch, seed=0, with_global=True):
    """int32 inputs: a separator at position min(3, length - 1) of every row (so automatic
    global attention applies), padding at the end of row 1, global tokens on some rows."""
    rng = np.random.default_rng(seed * 1000 + length * 10 + batch)
    shape = (batch, 2, length) if task == "multiple_choice" else (batch, length)
    ids = rng.integers(3, VOCAB, size=shape).astype(np.int32)
    ids[..., 0] = 0
    ids[..., min(3, length - 1)] = SEP
    mask = np.ones_like(ids)
    if batch > 1 and length > 4:
        mask[1, ..., -2:] = 0
        ids[1, ..., -2:] = 1
    inputs = {"input_ids": ids, "attention_mask": mask}
    if with_global:
        global_mask = np.zeros_like(ids)
        global_mask[0, ..., 0] = 1
        if batch > 2:
            global_mask[2, ..., [min(1, length - 1), length - 1]] = 1
        inputs["global_attention_mask"] = global_mask
    return inputs


def cases(task):
    """(signature, length, batch, inputs) for every checked call of `task`'s signatures."""
    out = []
    for length in lengths():
        for batch in BATCHES:
            out.append(("serving_default", length, batch, make_inputs(task, length, batch)))
            if task in AUTO_GLOBAL_HEADS:
                out.append(("serving_auto_global", length, batch, make_inputs(task, length, batch, with_global=False)))
    return out


def keras_outputs(model, inputs, names):
    out = model(**inputs)
    return {name: np.asarray(out[name]) for name in names}
