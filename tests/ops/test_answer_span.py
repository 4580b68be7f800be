"""The QA answer rule (`ops.answer_span`) against a brute-force search; ties, limits, empty contexts."""

import numpy as np
import pytest
import tensorflow as tf

from tf_longformer.ops.answer_span import best_answer_span


def brute_force(start, end, context, limit):
    best, best_score = (0, 0), -np.inf
    for i in range(len(start)):
        for j in range(i, min(i + limit, len(end))):
            if context[i] and context[j] and start[i] + end[j] > best_score:
                best, best_score = (i, j), start[i] + end[j]
    return best, best_score


@pytest.mark.parametrize("limit", [1, 3, 30])
def test_equals_brute_force_on_random_logits_with_ties(limit):
    rng = np.random.default_rng(limit)
    batch, length = 16, 45
    start = rng.integers(-3, 4, size=(batch, length)).astype(np.float32)  # small integers: many exact ties
    end = rng.integers(-3, 4, size=(batch, length)).astype(np.float32)
    context = rng.random((batch, length)) < 0.7
    context[0] = False  # no context token at all
    span = best_answer_span(start, end, context.astype(np.int32), limit)
    for row in range(batch):
        (i, j), score = brute_force(start[row], end[row], context[row], limit)
        assert (int(span.start[row]), int(span.end[row])) == (i, j), row
        assert float(span.score[row]) == score


def test_no_context_gives_the_empty_span():
    span = best_answer_span(tf.zeros([2, 5]), tf.zeros([2, 5]), tf.zeros([2, 5], tf.int32))
    assert span.start.numpy().tolist() == [0, 0] and span.end.numpy().tolist() == [0, 0]
    assert np.all(np.isneginf(span.score.numpy()))


def test_end_before_start_and_long_spans_are_never_chosen():
    start = np.array([[-5.0, 0.0, 9.0, 0.0, 0.0, 0.0]], np.float32)
    end = np.array([[-9.0, 8.0, -9.0, -9.0, -9.0, 7.0]], np.float32)
    context = np.ones_like(start, np.int32)
    # (2, 1) scores 17 but ends before it starts; (2, 5) scores 16 but holds 4 tokens.
    span = best_answer_span(start, end, context, max_answer_tokens=3)
    assert (int(span.start[0]), int(span.end[0])) == (1, 1)


def test_traces_with_unknown_shapes_and_rejects_bad_limits():
    function = tf.function(
        lambda s, e, c: best_answer_span(s, e, c).start,
        input_signature=[
            tf.TensorSpec([None, None]),
            tf.TensorSpec([None, None]),
            tf.TensorSpec([None, None], tf.int32),
        ],
    )
    assert function(tf.ones([1, 3]), tf.ones([1, 3]), tf.constant([[0, 1, 1]])).numpy().tolist() == [1]
    with pytest.raises(ValueError, match="max_answer_tokens"):
        best_answer_span(tf.ones([1, 3]), tf.ones([1, 3]), tf.ones([1, 3]), 0)
