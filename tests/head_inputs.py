"""Tiny token batches every model accepts (two rows with separators and padding)."""

import numpy as np

IDS = np.array([[0, 5, 6, 2, 2, 7, 8, 9, 2], [0, 5, 2, 2, 7, 8, 2, 1, 1]], "int32")


def inputs_for(model_class) -> dict:
    """`input_ids` + `attention_mask`; multiple choice gets a second choice axis."""
    inputs = {"input_ids": IDS, "attention_mask": (IDS != 1).astype("int32")}
    if model_class.spec.input_rank == 3:
        inputs = {k: np.stack([v, v[::-1]], axis=1) for k, v in inputs.items()}
    return inputs
