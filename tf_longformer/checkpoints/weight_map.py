"""The one table between our variables and the reference's state-dict names.

Both directions (import and export) read this table, so they cannot disagree. Each row is
(our variable, reference name, transpose): Keras dense kernels are (in, out), the
reference's linear weights (out, in).
"""

from __future__ import annotations

from typing import NamedTuple

import keras


class WeightRow(NamedTuple):
    variable: keras.Variable
    name: str
    transpose: bool


def _dense(layer: keras.layers.Dense, name: str) -> list[WeightRow]:
    return [WeightRow(layer.kernel, f"{name}.weight", True), WeightRow(layer.bias, f"{name}.bias", False)]


def _layer_norm(layer: keras.layers.LayerNormalization, name: str) -> list[WeightRow]:
    return [WeightRow(layer.gamma, f"{name}.weight", False), WeightRow(layer.beta, f"{name}.bias", False)]


def base_model_rows(model, prefix: str = "") -> list[WeightRow]:
    """Rows for a `LongformerModel`; `prefix` is "longformer." inside the task heads."""
    embeddings = model.embeddings
    rows = [
        WeightRow(embeddings.word_embeddings.embeddings, f"{prefix}embeddings.word_embeddings.weight", False),
        WeightRow(embeddings.position_embeddings.embeddings, f"{prefix}embeddings.position_embeddings.weight", False),
        WeightRow(embeddings.token_type_embeddings.embeddings, f"{prefix}embeddings.token_type_embeddings.weight", False),
        *_layer_norm(embeddings.layer_norm, f"{prefix}embeddings.LayerNorm"),
    ]
    for index, layer in enumerate(model.encoder.layers):
        name = f"{prefix}encoder.layer.{index}"
        attention = layer.attention.self_attention
        for projection in ("query", "key", "value", "query_global", "key_global", "value_global"):
            rows += _dense(getattr(attention, projection), f"{name}.attention.self.{projection}")
        rows += _dense(layer.attention.output_projection.dense, f"{name}.attention.output.dense")
        rows += _layer_norm(layer.attention.output_projection.layer_norm, f"{name}.attention.output.LayerNorm")
        rows += _dense(layer.feed_forward.intermediate, f"{name}.intermediate.dense")
        rows += _dense(layer.feed_forward.output_projection.dense, f"{name}.output.dense")
        rows += _layer_norm(layer.feed_forward.output_projection.layer_norm, f"{name}.output.LayerNorm")
    if model.pooler is not None:
        rows += _dense(model.pooler.dense, f"{prefix}pooler.dense")
    return rows
