"""NumPy helpers the heads' `format_prediction` share (results for readers: JSON-ready, rounded)."""

from __future__ import annotations

from typing import Any

import numpy as np

DECIMALS = 6


def softmax(logits: Any) -> np.ndarray:
    """Softmax over the last axis, in float64."""
    logits = np.asarray(logits, np.float64)
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def rounded(value: Any) -> Any:
    """A float (or nested lists of floats) rounded to `DECIMALS` places, as plain Python values."""
    return np.round(np.asarray(value, np.float64), DECIMALS).tolist()
