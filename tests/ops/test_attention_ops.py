"""The attention ops against a naive dense implementation (tests/dense_reference.py)."""

import numpy as np
import pytest
import tensorflow as tf

from dense_reference import dense_longformer_attention
from tf_longformer.ops import attention, global_attention, global_tokens, sliding_window


def _random_case(rng, max_length=300, max_window=64):
    batch, heads, head_size = int(rng.integers(1, 4)), int(rng.integers(1, 3)), 4
    length = int(rng.integers(1, max_length + 1))
    one_sided = int(rng.integers(1, max_window // 2 + 1))
    mask = np.ones((batch, length), np.int32)
    for row in range(batch):
        if rng.random() < 0.5:
            mask[row, length - int(rng.integers(0, length + 1)) :] = 0  # may pad the whole row
        fraction = rng.choice([0.0, 0.02, 0.2])
        chosen = rng.random(length) < fraction
        mask[row] = np.where((mask[row] == 1) & chosen, 2, mask[row])
    tensors = [rng.normal(size=(batch, heads, length, head_size)).astype(np.float32) for _ in range(4)]
    hidden = int(rng.integers(1, 10))
    global_key_value = global_attention.GlobalKeyValue(
        rng.normal(size=(batch, length, hidden)).astype(np.float32),
        *(rng.normal(size=shape).astype(np.float32) for shape in [(hidden, heads, head_size), (heads, head_size)] * 2),
    )
    block = int(rng.choice([one_sided, 16, int(rng.integers(1, 40))]))
    return tensors + [global_key_value], mask, one_sided, block


def _projected(global_key_value):
    """The global keys and values [b, h, n, d] as the reference computes them."""
    hidden_states, key_kernel, key_bias, value_kernel, value_bias = global_key_value
    return [
        np.einsum("bnx,xhd->bhnd", hidden_states, kernel) + bias[None, :, None]
        for kernel, bias in ((key_kernel, key_bias), (value_kernel, value_bias))
    ]


def _dense(tensors, mask, one_sided):
    return dense_longformer_attention(*tensors[:4], *_projected(tensors[4]), mask, one_sided)


def _run(tensors, mask, one_sided, block, trace=False, dtype=tf.float32, return_probs=True, softmax_dtype=tf.float32):
    query, key, value, global_query_all = (tf.cast(t, dtype) for t in tensors[:4])
    global_key_value = global_attention.GlobalKeyValue(*(tf.cast(t, dtype) for t in tensors[4]))
    positions, valid = global_tokens.global_token_slots(tf.equal(mask, 2))
    global_query = tf.gather(global_query_all, positions, axis=2, batch_dims=1)

    def attend(*args):
        layout = attention.attention_layout(args[9], one_sided, block_size=block)
        return attention.longformer_attention(
            *args[:4],
            global_attention.GlobalKeyValue(*args[4:9]),
            layout,
            one_sided,
            block_size=block,
            return_probs=return_probs,
            softmax_dtype=softmax_dtype,
        )

    if trace:  # unknown shapes: the folded/projected choice is made at run time (tf.cond)
        attend = tf.function(
            attend,
            input_signature=[
                tf.TensorSpec([None] * (t.shape.rank - 1) + [t.shape[-1] if t.dtype.is_floating else None], t.dtype)
                for t in (query, key, value, global_query, *global_key_value, tf.constant(mask))
            ],
        )
    result = attend(query, key, value, global_query, *global_key_value, tf.constant(mask))
    return result, positions.numpy(), valid.numpy()


def _expected_local_probs(dense_probs, mask, positions, valid, one_sided):
    """The reference layout [b, h, n, g + 2w + 1] read off the dense probabilities."""
    batch, heads, length, _ = dense_probs.shape
    slots = positions.shape[1]
    out = np.zeros((batch, heads, length, slots + 2 * one_sided + 1))
    for b in range(batch):
        for i in range(length):
            if mask[b, i] != 1:
                continue  # padding and global rows are zero in the reference layout
            for k in range(slots):
                if valid[b, k]:
                    out[b, :, i, k] = dense_probs[b, :, i, positions[b, k]]
            for offset in range(-one_sided, one_sided + 1):
                j = i + offset
                if 0 <= j < length and mask[b, j] == 1:
                    out[b, :, i, slots + offset + one_sided] = dense_probs[b, :, i, j]
    return out


def test_matches_dense_attention_on_random_cases():
    rng = np.random.default_rng(1234)
    slot_counts = []
    for case in range(120):
        tensors, mask, one_sided, block = _random_case(rng)
        result, positions, valid = _run(tensors, mask, one_sided, block, trace=case % 10 == 0)
        slot_counts.append(positions.shape[1])
        expected, dense_probs = _dense(tensors, mask, one_sided)
        context = f"length={mask.shape[1]} w={one_sided} block={block} mask={mask.tolist()}"
        np.testing.assert_allclose(result.output.numpy(), expected, atol=2e-5, err_msg=context)
        np.testing.assert_allclose(
            result.local_probs.numpy(),
            _expected_local_probs(dense_probs, mask, positions, valid, one_sided),
            atol=2e-6,
            err_msg=context,
        )
        global_rows = result.global_probs.numpy()
        for b in range(mask.shape[0]):
            for k in range(positions.shape[1]):
                if valid[b, k]:
                    np.testing.assert_allclose(global_rows[b, :, k], dense_probs[b, :, positions[b, k]], atol=2e-6)
                else:  # the reference's empty slots: uniform over the whole length
                    np.testing.assert_allclose(global_rows[b, :, k], 1.0 / mask.shape[1], atol=1e-6)
    # Both ways of computing the global rows ran: folded into the queries (g < d = 4) and projected.
    assert sum(0 < g < 4 for g in slot_counts) >= 10 and sum(g >= 4 for g in slot_counts) >= 10, slot_counts


def test_bfloat16_attention_matches_dense_with_either_softmax_dtype():
    """The bfloat16 path with its softmax in bfloat16 (as where oneDNN runs it) and in float32:
    both against the dense float32 attention of the same bfloat16-rounded inputs (bfloat16
    scores move the output by up to ~0.1 on these unit-variance tensors), and against each
    other (only the probabilities' last rounding differs)."""
    rng = np.random.default_rng(77)
    for _ in range(12):
        tensors, mask, one_sided, block = _random_case(rng)
        rounded = tf.nest.map_structure(lambda t: tf.cast(tf.cast(t, tf.bfloat16), tf.float32).numpy(), tensors)
        expected, _ = _dense(rounded, mask, one_sided)
        outputs = {}
        for softmax_dtype in (tf.bfloat16, tf.float32):
            result, _, _ = _run(
                rounded, mask, one_sided, block, dtype=tf.bfloat16, return_probs=False, softmax_dtype=softmax_dtype
            )
            assert result.output.dtype == tf.bfloat16
            outputs[softmax_dtype] = tf.cast(result.output, tf.float32).numpy()
            error = np.abs(outputs[softmax_dtype] - expected)
            assert error.max() < 0.2 and error.mean() < 0.01, (one_sided, block, error.max(), error.mean())
        np.testing.assert_allclose(
            outputs[tf.bfloat16], outputs[tf.float32], atol=0.03, err_msg=f"w={one_sided} block={block}"
        )


def test_default_block_size_is_half_the_window_and_a_quarter_in_bfloat16():
    assert attention.default_block_size(256) == attention.default_block_size(256, tf.float32) == 256
    assert attention.default_block_size(256, "float16") == 256
    assert attention.default_block_size(256, tf.bfloat16) == attention.default_block_size(256, "bfloat16") == 128
    assert attention.default_block_size(4, tf.bfloat16) == 16  # tiny windows: blocks with some work in them


def test_no_global_tokens_gives_one_masked_filler_slot_that_the_outputs_leave_out():
    tensors, mask, one_sided, block = _random_case(np.random.default_rng(0), max_length=20)
    mask = np.minimum(mask, 1)
    result, positions, _ = _run(tensors, mask, one_sided, block)
    assert positions.shape[1] == 1
    assert not result.local_probs.numpy()[..., 0].any()  # nobody attends to the filler
    _, valid = global_tokens.global_token_slots(tf.equal(mask, 2))
    local_probs, global_probs = global_tokens.without_filler_slots(result.local_probs, result.global_probs, valid)
    assert global_probs.shape[2] == 0
    assert local_probs.shape[-1] == 2 * one_sided + 1


def test_a_batch_without_global_tokens_has_one_masked_filler_slot():
    none_global = tf.zeros([2, 5], tf.bool)
    positions, valid = global_tokens.global_token_slots(none_global)
    assert positions.shape[1] == 1 and not valid.numpy().any()
    some_global = tf.constant([[0, 1, 0, 1, 0], [0, 0, 0, 0, 0]]) > 0
    assert global_tokens.global_token_slots(some_global)[0].shape[1] == 2


@pytest.mark.parametrize("counts, width", [((0, 0), 0), ((2, 1), 2)])
def test_without_filler_slots_keeps_as_many_slots_as_the_fullest_row(counts, width):
    slots, window_columns = 3, 5
    valid = tf.constant([[slot < count for slot in range(slots)] for count in counts])
    local = tf.reshape(tf.range(2 * 1 * 4 * (slots + window_columns), dtype=tf.float32), [2, 1, 4, -1])
    global_probs = tf.reshape(tf.range(2 * 1 * slots * 4, dtype=tf.float32), [2, 1, slots, 4])
    got_local, got_global = global_tokens.without_filler_slots(local, global_probs, valid)
    want_local = np.concatenate([local.numpy()[..., :width], local.numpy()[..., slots:]], axis=-1)
    np.testing.assert_array_equal(got_local.numpy(), want_local)
    np.testing.assert_array_equal(got_global.numpy(), global_probs.numpy()[:, :, :width])


def test_global_token_slots_pack_positions_in_order():
    is_global = tf.constant([[0, 1, 0, 1, 1], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]]) > 0
    positions, valid = global_tokens.global_token_slots(is_global)
    assert positions.numpy()[0].tolist() == [1, 3, 4]
    assert positions.numpy()[2, 0] == 0
    assert valid.numpy().tolist() == [[True] * 3, [False] * 3, [True, False, False]]
    slots = global_tokens.slot_of_each_position(is_global, 3).numpy()
    assert slots.tolist() == [[3, 0, 3, 1, 2], [3] * 5, [0, 3, 3, 3, 3]]


def test_fixed_global_slots_check_their_capacity():
    is_global = tf.constant([[1, 1, 1, 0]]) > 0
    positions, valid = global_tokens.global_token_slots(is_global, max_slots=3)
    assert positions.shape[1] == 3 and valid.numpy().all()
    positions, _ = global_tokens.global_token_slots(is_global, max_slots=8)
    assert positions.shape[1] == 4  # never more slots than tokens
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_global_tokens=2"):
        global_tokens.global_token_slots(is_global, max_slots=2)


def test_blocks_to_band_reads_the_diagonal_band():
    one_sided, block = 2, 3
    values = np.arange(block * (block + 2 * one_sided)).reshape(1, block, block + 2 * one_sided)
    band = sliding_window.blocks_to_band(tf.constant(values), one_sided).numpy()[0]
    for row in range(block):
        assert band[row].tolist() == values[0, row, row : row + 2 * one_sided + 1].tolist()


def test_band_mask_is_the_exact_window():
    mask = sliding_window.band_mask(one_sided_window=1, block_size=2)
    assert tf.cast(mask, tf.int32).numpy().tolist() == [[1, 1, 1, 0], [0, 1, 1, 1]]
