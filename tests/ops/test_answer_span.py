"""The QA answer rule (`ops.answer_span`) against a brute-force search; ties, limits, empty contexts, windows."""

import numpy as np
import pytest
import tensorflow as tf

from answer_reference import brute_force_span
from tf_longformer.ops.answer_span import best_answer_over_windows, best_answer_span


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
        (i, j), score = brute_force_span(start[row], end[row], context[row], limit)
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


def test_over_windows_equals_brute_force_per_example_ties_to_the_first_window():
    rng = np.random.default_rng(7)
    windows_per_example = [1, 3, 2, 4, 1]
    rows, length, limit = sum(windows_per_example), 20, 4
    start = rng.integers(-2, 3, size=(rows, length)).astype(np.float32)  # small integers: ties across windows
    end = rng.integers(-2, 3, size=(rows, length)).astype(np.float32)
    context = rng.random((rows, length)) < 0.6
    context[1] = False  # a window without context tokens
    window_to_example = np.repeat(np.arange(len(windows_per_example)), windows_per_example).astype(np.int32)
    answer = best_answer_over_windows(start, end, context.astype(np.int32), window_to_example, limit)
    first = 0
    for example, count in enumerate(windows_per_example):
        candidates = [(brute_force_span(start[r], end[r], context[r], limit), r) for r in range(first, first + count)]
        ((i, j), score), row = max(candidates, key=lambda candidate: (candidate[0][1], -candidate[1]))
        got = [int(answer.window[example]), int(answer.start[example]), int(answer.end[example])]
        assert got == [row, i, j], example
        assert float(answer.score[example]) == score
        first += count


def test_over_windows_the_answer_in_the_overlap_comes_from_the_window_scoring_it_higher():
    # Two windows sharing tokens 2-3 of the first (0-1 of the second): the same span, scored by each.
    start = np.full((2, 4), -9.0, np.float32)
    end = np.full((2, 4), -9.0, np.float32)
    start[0, 3], end[0, 3] = 1.0, 1.0  # the first window's last token: a span at its edge
    start[1, 1], end[1, 1] = 2.0, 2.0  # the same token, seen with more context on both sides
    answer = best_answer_over_windows(start, end, np.ones((2, 4), np.int32), np.array([0, 0]))
    assert [int(answer.window[0]), int(answer.start[0]), int(answer.end[0])] == [1, 1, 1]
    assert float(answer.score[0]) == 4.0
    start[0, 3] = end[0, 3] = 2.0  # an exact tie: the earlier window
    answer = best_answer_over_windows(start, end, np.ones((2, 4), np.int32), np.array([0, 0]))
    assert [int(answer.window[0]), int(answer.start[0])] == [0, 3]


def test_over_windows_traces_with_unknown_shapes():
    function = tf.function(
        lambda s, e, c, w: best_answer_over_windows(s, e, c, w).window,
        input_signature=[
            tf.TensorSpec([None, None]),
            tf.TensorSpec([None, None]),
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([None], tf.int32),
        ],
    )
    start = tf.constant([[0.0, 1.0], [0.0, 3.0], [0.0, 2.0]])
    windows = function(start, tf.zeros([3, 2]), tf.ones([3, 2], tf.int32), tf.constant([0, 0, 1]))
    assert windows.numpy().tolist() == [1, 2]
