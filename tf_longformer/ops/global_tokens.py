"""Where the global tokens are: slot indices for gathering them and scattering results back.

Each row of a batch may have a different number of global tokens. They are packed into
`num_slots = max(count)` slots per row (in position order, as the reference); slots beyond
a row's count are marked invalid and masked by the caller.
"""

from __future__ import annotations

import tensorflow as tf


def global_token_slots(is_global: tf.Tensor, max_slots: int | None = None) -> tuple[tf.Tensor, tf.Tensor]:
    """Positions of the global tokens of each row, packed left.

    Args:
        is_global: [batch, length] bool.
        max_slots: None for as many slots as the row with most global tokens (a
            data-dependent shape); an int for a fixed `min(max_slots, length)` slots (a shape
            that depends only on the input shape, as XLA needs). A row with more global
            tokens than `max_slots` fails a runtime check.
            Either way there is at least one slot: in a batch without global tokens it is a
            masked filler, so outputs do not change; it keeps every tensor non-empty, which
            LiteRT's XNNPack delegate needs (it fails on zero-size tensors).
            `without_filler_slots` trims the probabilities to the reference's shapes.

    Returns:
        positions: [batch, num_slots] int32, the global positions in increasing order, then
            filler positions for rows with fewer global tokens.
        slot_is_valid: [batch, num_slots] bool, False for the filler slots.
    """
    counts = tf.reduce_sum(tf.cast(is_global, tf.int32), axis=1)
    length = tf.shape(is_global)[1]
    if max_slots is None:
        num_slots = tf.reduce_max(tf.concat([counts, [1]], axis=0))  # 1 for a batch without global tokens
    else:
        tf.debugging.assert_less_equal(
            counts,
            max_slots,
            message=f"A row has more global tokens than max_global_tokens={max_slots}. "
            "Raise `max_global_tokens` in the config, or set it to None.",
        )
        num_slots = tf.minimum(max_slots, length)
    position = tf.expand_dims(tf.range(length, dtype=tf.int32), 0)
    # Global tokens rank first, earliest first; top_k returns them in that order.
    rank_key = tf.where(is_global, length - position, -position)
    _, positions = tf.math.top_k(rank_key, k=num_slots, sorted=True)
    slot_is_valid = tf.expand_dims(tf.range(num_slots), 0) < tf.expand_dims(counts, 1)
    return positions, slot_is_valid


def slot_of_each_position(is_global: tf.Tensor, num_slots: tf.Tensor) -> tf.Tensor:
    """[batch, length] int32: the slot of each global token, `num_slots` for the others.

    Used to read global results back into sequence order with one gather from
    `num_slots + 1` slots, the last being a filler.
    """
    rank = tf.cumsum(tf.cast(is_global, tf.int32), axis=1) - 1
    return tf.where(is_global, rank, num_slots)


def without_filler_slots(
    local_probs: tf.Tensor, global_probs: tf.Tensor, slot_is_valid: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor]:
    """The attention probabilities with as many global slots as the row with most global
    tokens has (none when no row has one), as the reference returns them.

    Args:
        local_probs: [b, h, n, g + 2w + 1], the global slots first.
        global_probs: [b, h, g, n].
        slot_is_valid: [b, g] bool, from `global_token_slots`.

    Returns:
        [b, h, n, x + 2w + 1] and [b, h, x, n], x the largest number of global tokens in a row.
    """
    num_slots = tf.shape(slot_is_valid)[1]
    counts = tf.reduce_sum(tf.cast(slot_is_valid, tf.int32), axis=1)
    used = tf.reduce_max(tf.concat([counts, [0]], axis=0))
    return tf.concat([local_probs[..., :used], local_probs[..., num_slots:]], axis=-1), global_probs[:, :, :used]
