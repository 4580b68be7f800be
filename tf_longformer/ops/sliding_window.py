"""Sliding-window (banded) attention as blocked dense matmuls.

Queries are cut into blocks of `block_size` rows; each block sees the keys from
`one_sided_window` before its first row to `one_sided_window` after its last row, a frame
of `block_size + 2 * one_sided_window` keys. Scores per block are one batched matmul and a
constant band mask keeps the exact window, so nothing of size n x n is ever built.
"""

from __future__ import annotations

import tensorflow as tf


def frame_positions(one_sided_window: int, block_size: int, num_blocks: tf.Tensor) -> tf.Tensor:
    """[num_blocks, block_size + 2w] int32: the key position of each frame column.

    Block i covers queries i*c .. i*c + c - 1 and keys i*c - w .. i*c + c - 1 + w; positions
    outside the sequence are left as they are for the caller to mask.
    """
    starts = tf.expand_dims(tf.range(num_blocks, dtype=tf.int32), 1) * block_size - one_sided_window
    return starts + tf.expand_dims(tf.range(block_size + 2 * one_sided_window, dtype=tf.int32), 0)


def band_mask(one_sided_window: int, block_size: int) -> tf.Tensor:
    """[block_size, block_size + 2w] bool: row r sees frame columns r .. r + 2w (its window).

    Built from ranges rather than as a NumPy constant: a bool array becomes a graph constant
    element by element in Python, slowly for the base config's blocks.
    """
    rows = tf.expand_dims(tf.range(block_size), 1)
    columns = tf.expand_dims(tf.range(block_size + 2 * one_sided_window), 0)
    return (columns >= rows) & (columns <= rows + 2 * one_sided_window)


def blocks_to_band(block_values: tf.Tensor, one_sided_window: int) -> tf.Tensor:
    """[..., c, c + 2w] per-block values -> [..., c, 2w + 1] in the reference's band layout.

    Column j of row r is the key at offset j - w from the query. Row r of the block needs
    frame columns r .. r + 2w: flattening with one extra column per row turns that diagonal
    band into the leading 2w + 1 columns (no gather needed).
    """
    block_size = block_values.shape[-2]
    frame_width = block_size + 2 * one_sided_window  # static even where the slice before it is not
    leading = tf.shape(block_values)[:-2]
    flat = tf.reshape(block_values, tf.concat([leading, [block_size * frame_width]], 0))
    rank = flat.shape.rank
    flat = tf.pad(flat, [[0, 0]] * (rank - 1) + [[0, block_size]])
    skewed = tf.reshape(flat, tf.concat([leading, [block_size, frame_width + 1]], 0))
    return skewed[..., : 2 * one_sided_window + 1]
