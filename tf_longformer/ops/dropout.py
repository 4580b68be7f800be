"""Dropout whose mask is a pure function of a seed, so a recomputation draws the same mask."""

from __future__ import annotations

import tensorflow as tf


def stateless_dropout(values: tf.Tensor, rate: float, seed: tf.Tensor | None, salt: int) -> tf.Tensor:
    """Inverted dropout whose mask is a pure function of (`seed`, `salt`, shape)."""
    if seed is None or rate == 0.0:
        return values
    keep = tf.random.stateless_uniform(tf.shape(values), seed=seed + salt) >= rate
    return tf.where(keep, values / tf.cast(1.0 - rate, values.dtype), tf.zeros_like(values))
