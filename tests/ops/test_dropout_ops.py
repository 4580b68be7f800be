"""`stateless_dropout`: the rate, the scale, and masks that repeat exactly for the same seed."""

import numpy as np
import pytest
import tensorflow as tf

from tf_longformer.ops.dropout import stateless_dropout


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_drops_the_rate_and_keeps_the_expectation(rate):
    values = tf.ones((64, 50, 31))  # an odd size: the last 32-bit word is half used
    dropped = stateless_dropout(values, rate, tf.constant([3, 4]), salt=0).numpy()
    kept = dropped != 0
    assert abs(1 - kept.mean() - rate) < 0.01
    np.testing.assert_allclose(dropped[kept], 1 / (1 - rate), rtol=1e-4)
    assert abs(dropped.mean() - 1) < 0.02


def test_same_seed_same_mask_other_salt_other_mask():
    values = tf.random.normal((8, 1000))
    seed = tf.constant([11, 12])
    first = stateless_dropout(values, 0.3, seed, salt=0)
    np.testing.assert_array_equal(first.numpy(), stateless_dropout(values, 0.3, seed, salt=0).numpy())
    assert not np.array_equal(first.numpy() == 0, stateless_dropout(values, 0.3, seed, salt=1).numpy() == 0)


def test_no_seed_or_zero_rate_is_the_identity_and_rate_one_drops_all():
    values = tf.random.normal((4, 5))
    np.testing.assert_array_equal(stateless_dropout(values, 0.3, None, salt=0).numpy(), values.numpy())
    np.testing.assert_array_equal(stateless_dropout(values, 0.0, tf.constant([1, 2]), salt=0).numpy(), values.numpy())
    assert not stateless_dropout(values, 1.0, tf.constant([1, 2]), salt=0).numpy().any()
