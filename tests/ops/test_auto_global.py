"""The automatic global-attention rule: its TF and NumPy forms agree, and one error for both."""

import numpy as np
import pytest
import tensorflow as tf

from tf_longformer.ops import auto_global

SEP = 2


def _random_ids(rng, batch, length):
    """Ids in [0, 6) (so separators are frequent), at least one separator per row."""
    ids = rng.integers(0, 6, size=(batch, length))
    rows_without = ~(ids == SEP).any(axis=-1)
    ids[rows_without, rng.integers(0, length)] = SEP
    return ids.astype(np.int32)


@pytest.mark.parametrize("kind", auto_global.KINDS)
def test_tf_and_numpy_forms_agree_on_random_ids(kind):
    rng = np.random.default_rng(0)
    for _ in range(20):
        ids = _random_ids(rng, int(rng.integers(1, 5)), int(rng.integers(1, 12)))
        expected = auto_global.numpy_global_mask(kind, ids, SEP)
        np.testing.assert_array_equal(auto_global.global_mask(kind, tf.constant(ids), SEP).numpy(), expected)
        np.testing.assert_array_equal(auto_global.checked_global_mask(kind, tf.constant(ids), SEP).numpy(), expected)
        ragged = [list(row[: int(rng.integers(1, len(row) + 1))]) for row in ids]
        ragged = [row if SEP in row or kind == auto_global.CLASSIFICATION else row + [SEP] for row in ragged]
        for row, mask in zip(ragged, auto_global.numpy_rows_global_mask(ragged, kind, SEP)):
            np.testing.assert_array_equal(mask, auto_global.numpy_global_mask(kind, np.array([row]), SEP)[0])


def test_the_rule_on_a_known_row():
    ids = np.array([[0, 5, 6, SEP, SEP, 7, 8, SEP]])
    assert auto_global.numpy_global_mask("question_answering", ids, SEP).tolist() == [[1, 1, 1, 0, 0, 0, 0, 0]]
    assert auto_global.numpy_global_mask("multiple_choice", ids, SEP).tolist() == [[0, 0, 0, 0, 0, 1, 1, 1]]
    assert auto_global.numpy_global_mask("classification", ids, SEP).tolist() == [[1, 0, 0, 0, 0, 0, 0, 0]]


@pytest.mark.parametrize("kind", ["question_answering", "multiple_choice"])
def test_missing_separator_is_the_same_error_in_every_form(kind):
    ids = np.array([[0, 5, SEP], [0, 5, 6]], np.int32)
    pattern = r"some rows of `input_ids` contain none.*Rows without a separator: \[1\]"
    with pytest.raises(ValueError, match=pattern):
        auto_global.numpy_global_mask(kind, ids, SEP)
    with pytest.raises(ValueError, match=pattern):
        auto_global.numpy_rows_global_mask([[0, SEP], [0, 5]], kind, SEP)
    with pytest.raises(ValueError, match=pattern):
        auto_global.checked_global_mask(kind, tf.constant(ids), SEP)
    in_graph = tf.function(lambda x: auto_global.checked_global_mask(kind, x, SEP))
    with pytest.raises(tf.errors.InvalidArgumentError, match="some rows of `input_ids` contain none"):
        in_graph(tf.constant(ids))


def test_classification_needs_no_separator_and_kinds_resolve():
    ids = np.array([[5, 6, 7]])
    assert auto_global.numpy_global_mask("classification", ids).tolist() == [[1, 0, 0]]
    assert auto_global.resolve_kind("qa") == "question_answering"
    with pytest.raises(ValueError, match="global_attention must be one of"):
        auto_global.resolve_kind("multiple_choice", (auto_global.QUESTION_ANSWERING, auto_global.CLASSIFICATION))
