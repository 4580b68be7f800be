"""Longer position tables: a checkpoint that reads more tokens than it was trained on.

The learned position rows are repeated until the table is as long as asked (the recipe that
made Longformer from RoBERTa, 512 -> 4,096 tokens, and LED from BART, 1,024 -> 16,384): a
token at position p + k * n reads row p, so attention patterns learned at one distance carry
over. Inputs no longer than the original length see exactly the original model.
"""

from __future__ import annotations

import os

import numpy as np

from tf_longformer.checkpoints import files, writer
from tf_longformer.config import LongformerConfig
from tf_longformer.default_model import resolve_name as resolve_default_model_name

POSITION_TABLE = "embeddings.position_embeddings.weight"


def tile_position_table(table: np.ndarray, rows: int, reserved: int) -> np.ndarray:
    """Keeps the first `reserved` rows and repeats the learned ones until `rows` rows."""
    learned = table[reserved:]
    repeats = -(-(rows - reserved) // len(learned))
    return np.concatenate([table[:reserved], np.tile(learned, (repeats, 1))[: rows - reserved]], axis=0)


def extend_positions(
    checkpoint_dir: str | os.PathLike, out_dir: str | os.PathLike, max_positions: int
) -> LongformerConfig:
    """Writes a copy of a Longformer checkpoint that reads up to `max_positions` tokens.

    Args:
        checkpoint_dir: a Longformer checkpoint directory (any weights format; `"default"`:
            the embedded model). Tokenizer files are not copied (the command line does that).
        out_dir: where the longer checkpoint is written (atomically).
        max_positions: the longest input of the new model, in tokens (the table gets the
            reference's `pad_token_id + 1` reserved rows on top).

    Returns:
        The new `LongformerConfig` (also in `out_dir/config.json`).

    Raises:
        ValueError: `max_positions` is not longer than what the checkpoint reads: lengthening
            only (a shorter table would drop learned rows; truncate the inputs instead).
        FileNotFoundError: no checkpoint there.
    """
    checkpoint_dir = resolve_default_model_name(checkpoint_dir)
    config = LongformerConfig.from_pretrained(checkpoint_dir)
    if isinstance(max_positions, bool) or not isinstance(max_positions, int) or max_positions <= 0:
        raise ValueError(f"max_positions must be a positive int. Received: {max_positions!r}")
    if max_positions <= config.max_sequence_length:
        raise ValueError(
            f"The checkpoint already reads {config.max_sequence_length} tokens; max_positions={max_positions} "
            "would not lengthen it. Extending only lengthens: a shorter table would drop learned positions "
            "(truncate the inputs instead)."
        )
    reserved = config.pad_token_id + 1
    rows = max_positions + reserved
    state = files.read_weights(files.find_weights_file(checkpoint_dir))
    tables = [name for name in state if name.endswith(POSITION_TABLE)]
    if len(tables) != 1:
        raise files.CheckpointError(f"{checkpoint_dir!r} has {len(tables)} position tables; expected one.")
    extended = {name: value for name, value in state.items() if not name.endswith("position_ids")}  # buffers
    extended[tables[0]] = tile_position_table(state[tables[0]], rows, reserved)
    values = config.to_dict()
    values["max_position_embeddings"] = rows
    writer.write_checkpoint(out_dir, values, extended)
    return LongformerConfig.from_dict(values)
