"""RoBERTa -> Longformer conversion, the published recipe (Beltagy et al. 2020, section 5).

- The position table grows to `max_position_embeddings + pad_token_id + 1` rows: the
  reserved rows (0 .. pad_token_id) are kept and the learned rows are tiled, repeated
  until the new table is full (the last copy cut short).
- Each layer's global projections (`query_global`, `key_global`, `value_global`) start as
  copies of its local `query`, `key` and `value`.
- Everything else is copied unchanged; the `roberta.` prefix becomes `longformer.`.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np

from tf_longformer.checkpoints import files, weight_map, writer
from tf_longformer.checkpoints.lengthen import tile_position_table
from tf_longformer.config import CONFIG_NAME, LongformerConfig, check_attention_window

_LOCAL_PROJECTION = re.compile(r"^(.*\.attention\.self\.)(query|key|value)\.(weight|bias)$")


def longformer_architecture(name: str) -> str:
    """`RobertaForX` -> `LongformerForX` where that model exists; other names are kept."""
    renamed = name.replace("Roberta", "Longformer", 1)
    return renamed if renamed in weight_map.ARCHITECTURES else name


def convert_roberta_to_longformer(
    roberta_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    max_position_embeddings: int = 4096,
    attention_window: int = 512,
) -> LongformerConfig:
    """Turns a RoBERTa checkpoint directory into a Longformer checkpoint directory.

    Args:
        roberta_dir: `config.json` + weights (safetensors, tf_model.h5 or pytorch_model.bin)
            of a RoBERTa model (`RobertaModel` or a `RobertaFor…` head).
        out_dir: where the Longformer checkpoint is written (atomically).
        max_position_embeddings: the longest input of the new model, in tokens; the table
            gets `pad_token_id + 1` more rows, as the reference's (4096 -> 4098 rows).
        attention_window: the window of every layer (positive, even).

    Returns:
        The new `LongformerConfig` (also written to `out_dir/config.json`).
    """
    roberta_dir = os.fspath(roberta_dir)
    config_path = os.path.join(roberta_dir, CONFIG_NAME)
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"No {CONFIG_NAME} in {roberta_dir!r}: expected a RoBERTa checkpoint directory.")
    with open(config_path, encoding="utf-8") as f:
        model_type = json.load(f).get("model_type", "roberta")
    if "roberta" not in str(model_type):
        raise ValueError(f"{config_path} is a {model_type!r} config, not RoBERTa.")
    source = LongformerConfig.from_json_file(config_path)
    check_attention_window(attention_window)
    reserved = source.pad_token_id + 1
    rows = max_position_embeddings + reserved
    if rows < source.max_position_embeddings:
        raise ValueError(
            f"`max_position_embeddings` ({max_position_embeddings}) is shorter than the RoBERTa model's "
            f"{source.max_position_embeddings - reserved} tokens; the conversion only lengthens."
        )

    state = files.read_weights(files.find_weights_file(roberta_dir))
    converted: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if name.endswith("position_ids"):
            continue  # a buffer, not a weight
        name = "longformer." + name[len("roberta.") :] if name.startswith("roberta.") else name
        if name.endswith("embeddings.position_embeddings.weight"):
            value = tile_position_table(value, rows, reserved)
        converted[name] = value
        match = _LOCAL_PROJECTION.match(name)
        if match:
            prefix, projection, kind = match.groups()
            converted[f"{prefix}{projection}_global.{kind}"] = value.copy()
    if not any(name.endswith("position_embeddings.weight") for name in converted):
        raise files.CheckpointError(f"{roberta_dir!r} has no position embeddings; is it a RoBERTa checkpoint?")

    values = source.to_dict()
    values.update(
        model_type="longformer",
        max_position_embeddings=rows,
        attention_window=[attention_window] * source.num_hidden_layers,
        architectures=[longformer_architecture(a) for a in source.extra.get("architectures", ["RobertaModel"])],
    )
    config = LongformerConfig.from_dict(values)
    writer.write_checkpoint(out_dir, config.to_dict(), converted)
    return config
