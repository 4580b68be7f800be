"""The heads' losses against hand-computed values and the reference's edge cases."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tf_longformer.models import losses


def test_cross_entropy_ignores_minus_100_and_averages_the_rest():
    logits = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [5.0, 1.0, 0.0]], "float32")
    labels = np.array([0, 0, -100])
    want = (math.log(3) + (math.log(math.exp(2) + 2) - 2)) / 2
    assert float(losses.cross_entropy(logits, labels)) == pytest.approx(want, abs=1e-6)


def test_cross_entropy_with_every_label_ignored_is_nan_as_pytorch():
    assert math.isnan(float(losses.cross_entropy(np.zeros((2, 3), "float32"), np.array([-100, -100]))))


def test_cross_entropy_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match=r"class ids in \[0, number of classes\).*Found 3"):
        losses.cross_entropy(np.zeros((2, 3), "float32"), np.array([0, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="class ids"):
        tf.function(losses.cross_entropy)(tf.zeros((2, 3)), tf.constant([0, -2]))


def test_question_answering_clamps_and_ignores_like_the_reference():
    start = np.zeros((1, 4), "float32")
    end = np.array([[3.0, 0.0, 0.0, 0.0]], "float32")
    # start 9 -> clamped to 4 = length -> ignored (NaN half); end -5 -> clamped to 0, counted.
    assert math.isnan(float(losses.question_answering_loss(start, end, [9], [-5])))
    both = losses.question_answering_loss(start, end, [[1]], [[-5]])  # [batch, 1] positions are squeezed
    want = (math.log(4) + (math.log(math.exp(3) + 3) - 3)) / 2
    assert float(both) == pytest.approx(want, abs=1e-6)


def test_problem_type_inference():
    assert losses.infer_problem_type(1, tf.int32, None) == "regression"
    assert losses.infer_problem_type(3, tf.int64, None) == "single_label_classification"
    assert losses.infer_problem_type(3, tf.float32, None) == "multi_label_classification"
    assert losses.infer_problem_type(3, tf.float32, "regression") == "regression"


def test_regression_squeezes_like_the_reference():
    logits = np.array([[1.0], [3.0]], "float32")
    assert float(losses.sequence_classification_loss(logits, np.array([0.0, 1.0], "float32"), 1)) == pytest.approx(2.5)
    # batch of one: both squeeze to scalars
    assert float(losses.sequence_classification_loss(logits[:1], np.array([[3.0]], "float32"), 1)) == pytest.approx(4.0)


def test_multi_label_bce_is_stable_for_large_logits():
    logits = np.array([[100.0, -100.0]], "float32")
    loss = losses.sequence_classification_loss(logits, np.array([[1.0, 0.0]], "float32"), 2)
    assert float(loss) == pytest.approx(0.0, abs=1e-6)
    loss = losses.sequence_classification_loss(logits, np.array([[0.0, 1.0]], "float32"), 2)
    assert float(loss) == pytest.approx(100.0, rel=1e-6)
