"""The one table between our variables and the reference's state-dict names.

Both directions (import and export) read this table, so they cannot disagree. Each row is
(our variable, reference name, transpose): Keras dense kernels are (in, out), the
reference's linear weights (out, in). A variable the reference stores under several names
(the masked-LM decoder tied to the word embeddings) has one row per name; the first is the
name written on export, the later ones are marked `tied`: accepted on import (used when the
first is absent), never written.
"""

from __future__ import annotations

from typing import NamedTuple

import keras

#: The reference's Longformer classes, whose checkpoints this table maps (one set of rows each).
ARCHITECTURES = frozenset(
    {
        "LongformerModel",
        "LongformerForMaskedLM",
        "LongformerForSequenceClassification",
        "LongformerForTokenClassification",
        "LongformerForQuestionAnswering",
        "LongformerForMultipleChoice",
    }
)


class WeightRow(NamedTuple):
    variable: keras.Variable
    name: str
    transpose: bool
    tied: bool = False


def dense_rows(layer: keras.layers.Dense, name: str) -> list[WeightRow]:
    """A dense layer's kernel and bias as the reference's `{name}.weight` / `{name}.bias` (for `weight_rows`)."""
    return [WeightRow(layer.kernel, f"{name}.weight", True), WeightRow(layer.bias, f"{name}.bias", False)]


def layer_norm_rows(layer: keras.layers.LayerNormalization, name: str) -> list[WeightRow]:
    """A LayerNorm's gamma and beta as the reference's `{name}.weight` / `{name}.bias`."""
    return [WeightRow(layer.gamma, f"{name}.weight", False), WeightRow(layer.beta, f"{name}.bias", False)]


def base_model_rows(model, prefix: str = "") -> list[WeightRow]:
    """Rows for a `LongformerModel`; `prefix` is "longformer." inside the task heads."""
    embeddings = model.embeddings
    rows = [
        WeightRow(embeddings.word_embeddings.embeddings, f"{prefix}embeddings.word_embeddings.weight", False),
        WeightRow(embeddings.position_embeddings.embeddings, f"{prefix}embeddings.position_embeddings.weight", False),
        WeightRow(
            embeddings.token_type_embeddings.embeddings, f"{prefix}embeddings.token_type_embeddings.weight", False
        ),
        *layer_norm_rows(embeddings.layer_norm, f"{prefix}embeddings.LayerNorm"),
    ]
    for index, layer in enumerate(model.encoder.layers):
        name = f"{prefix}encoder.layer.{index}"
        attention = layer.attention.self_attention
        for projection in ("query", "key", "value", "query_global", "key_global", "value_global"):
            rows += dense_rows(getattr(attention, projection), f"{name}.attention.self.{projection}")
        rows += dense_rows(layer.attention.output_projection.dense, f"{name}.attention.output.dense")
        rows += layer_norm_rows(layer.attention.output_projection.layer_norm, f"{name}.attention.output.LayerNorm")
        rows += dense_rows(layer.feed_forward.intermediate, f"{name}.intermediate.dense")
        rows += dense_rows(layer.feed_forward.output_projection.dense, f"{name}.output.dense")
        rows += layer_norm_rows(layer.feed_forward.output_projection.layer_norm, f"{name}.output.LayerNorm")
    if model.pooler is not None:
        rows += dense_rows(model.pooler.dense, f"{prefix}pooler.dense")
    return rows


BACKBONE_PREFIX = "longformer."


def masked_lm_rows(model) -> list[WeightRow]:
    """`LongformerForMaskedLM`: backbone (no pooler) + `lm_head`; the decoder is tied."""
    head = model.lm_head
    word_embeddings = model.longformer.embeddings.word_embeddings.embeddings
    return [
        *base_model_rows(model.longformer, BACKBONE_PREFIX),
        *dense_rows(head.dense, "lm_head.dense"),
        *layer_norm_rows(head.layer_norm, "lm_head.layer_norm"),
        WeightRow(head.bias, "lm_head.bias", False),
        WeightRow(head.bias, "lm_head.decoder.bias", False, tied=True),
        WeightRow(word_embeddings, "lm_head.decoder.weight", False, tied=True),
    ]


def sequence_classification_rows(model) -> list[WeightRow]:
    """`LongformerForSequenceClassification`: backbone + `classifier.dense` / `classifier.out_proj`."""
    return [
        *base_model_rows(model.longformer, BACKBONE_PREFIX),
        *dense_rows(model.classifier.dense, "classifier.dense"),
        *dense_rows(model.classifier.out_proj, "classifier.out_proj"),
    ]


def token_classification_rows(model) -> list[WeightRow]:
    """`LongformerForTokenClassification`: backbone + `classifier`."""
    return [*base_model_rows(model.longformer, BACKBONE_PREFIX), *dense_rows(model.classifier, "classifier")]


def question_answering_rows(model) -> list[WeightRow]:
    """`LongformerForQuestionAnswering`: backbone + `qa_outputs`."""
    return [*base_model_rows(model.longformer, BACKBONE_PREFIX), *dense_rows(model.qa_outputs, "qa_outputs")]


def multiple_choice_rows(model) -> list[WeightRow]:
    """`LongformerForMultipleChoice`: backbone with pooler + `classifier`."""
    return [*base_model_rows(model.longformer, BACKBONE_PREFIX), *dense_rows(model.classifier, "classifier")]
