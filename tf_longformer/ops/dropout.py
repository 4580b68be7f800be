"""Dropout whose mask is a pure function of a seed, so a recomputation draws the same mask."""

from __future__ import annotations

import tensorflow as tf

_LEVELS = 2**16  # each mask entry compares 16 random bits with the rate


def stateless_dropout(values: tf.Tensor, rate: float, seed: tf.Tensor | None, salt: int) -> tf.Tensor:
    """Inverted dropout whose mask is a pure function of (`seed`, `salt`, shape).

    Each 32-bit random word decides two entries (16 bits each): drawing the attention's
    [b, h, blocks, c, f] mask is a tenth of a layer's training step on a CPU, and half the
    words halve it. The rate is rounded to a multiple of 2^-16 (0.1 becomes 0.100006) and
    kept values are scaled by the exact inverse of the resulting keep probability. The
    16-bit halves are compared as they are (no int32 copy) and the scaled mask applied by
    one multiplication: the steps around the random words cost less than the words.
    """
    if seed is None or rate == 0.0:
        return values
    dropped_levels = round(rate * _LEVELS)
    if dropped_levels >= _LEVELS:
        return tf.zeros_like(values)
    count = tf.size(values)
    words = tf.random.stateless_uniform([(count + 1) // 2], seed=seed + salt, minval=None, maxval=None, dtype=tf.uint32)
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])
    if not any(size is not None and size % 2 == 0 for size in values.shape):
        halves = halves[:count]  # an odd count leaves half a word over (a copy: skipped when any axis is even)
    scale = tf.constant(_LEVELS / (_LEVELS - dropped_levels), values.dtype)
    scaled_mask = tf.where(halves >= tf.constant(dropped_levels, tf.uint16), scale, tf.zeros([], values.dtype))
    return values * tf.reshape(scaled_mask, tf.shape(values))
