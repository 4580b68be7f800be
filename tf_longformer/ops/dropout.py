"""Dropout whose mask is a pure function of a seed, so a recomputation draws the same mask."""

from __future__ import annotations

import tensorflow as tf

_LEVELS = 2**16  # each mask entry compares 16 random bits with the rate


def stateless_dropout(values: tf.Tensor, rate: float, seed: tf.Tensor | None, salt: int) -> tf.Tensor:
    """Inverted dropout whose mask is a pure function of (`seed`, `salt`, shape).

    Each 32-bit random word decides two entries (16 bits each): drawing the attention's
    [b, h, blocks, c, f] mask is a tenth of a layer's training step on a CPU, and half the
    words halve it. The rate is rounded to a multiple of 2^-16 (0.1 becomes 0.100006) and
    kept values are scaled by the exact inverse of the resulting keep probability.
    """
    if seed is None or rate == 0.0:
        return values
    dropped_levels = round(rate * _LEVELS)
    if dropped_levels >= _LEVELS:
        return tf.zeros_like(values)
    shape = tf.shape(values)
    count = tf.size(values)
    words = tf.random.stateless_uniform([(count + 1) // 2], seed=seed + salt, minval=None, maxval=None, dtype=tf.uint32)
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])[:count]
    keep = tf.reshape(tf.cast(halves, tf.int32) >= dropped_levels, shape)
    scale = _LEVELS / (_LEVELS - dropped_levels)
    return tf.where(keep, values * tf.cast(scale, values.dtype), tf.zeros_like(values))
