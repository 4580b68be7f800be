"""The extractive-QA answer rule: the best (start, end) token span of the context.

One definition for everything that picks answers (`Predictor.predict` and the exported
`serving_text` signature), so they agree token for token:

- the span lies in the context (`context_mask` 1 at both ends), start <= end, and it holds at
  most `max_answer_tokens` tokens;
- its score is `start_logits[start] + end_logits[end]`, the highest wins;
- exact ties go to the lowest start, then the lowest end.

A row whose context has no token gets the span (0, 0) and score -inf.

A context longer than the model is read in overlapping windows (one row each); its answer is
the best span of the window whose best span scores highest, ties going to the earliest window
(`best_answer_over_windows`). Scores are compared as they are, logits of one model.
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

#: The reference pipelines' default longest answer, in tokens.
MAX_ANSWER_TOKENS = 30


class AnswerSpan(NamedTuple):
    """The chosen span of each row: `start`, `end` (int32 [batch], inclusive token indices), `score` (float32)."""

    start: tf.Tensor
    end: tf.Tensor
    score: tf.Tensor


def best_answer_span(
    start_logits: tf.Tensor, end_logits: tf.Tensor, context_mask: tf.Tensor, max_answer_tokens: int = MAX_ANSWER_TOKENS
) -> AnswerSpan:
    """The best span of each row (see the module docstring).

    Args:
        start_logits: float [batch, length].
        end_logits: float [batch, length].
        context_mask: [batch, length], nonzero on the tokens an answer may start and end at.
        max_answer_tokens: the longest answer in tokens (a positive int).

    Returns:
        An `AnswerSpan`.
    """
    if isinstance(max_answer_tokens, bool) or not isinstance(max_answer_tokens, int) or max_answer_tokens < 1:
        raise ValueError(f"max_answer_tokens must be a positive int. Received: {max_answer_tokens!r}")
    start_logits = tf.cast(start_logits, tf.float32)
    end_logits = tf.cast(end_logits, tf.float32)
    context = tf.cast(context_mask, tf.bool)
    length = tf.shape(start_logits)[1]
    width = max_answer_tokens
    # ends[b, i, d] = end_logits[b, i + d]: every span of 1..width tokens starting at i.
    ends_at = tf.range(length)[:, tf.newaxis] + tf.range(width)[tf.newaxis, :]
    padded_end = tf.pad(end_logits, [[0, 0], [0, width]], constant_values=float("-inf"))
    padded_context = tf.pad(context, [[0, 0], [0, width]], constant_values=False)
    valid = context[:, :, tf.newaxis] & tf.gather(padded_context, ends_at, axis=1)
    scores = start_logits[:, :, tf.newaxis] + tf.gather(padded_end, ends_at, axis=1)
    scores = tf.where(valid, scores, float("-inf"))
    flat = tf.reshape(scores, [tf.shape(scores)[0], -1])
    best = tf.argmax(flat, axis=1, output_type=tf.int32)  # the first maximum: lowest start, then end
    found = tf.reduce_any(valid, axis=[1, 2])
    start = tf.where(found, best // width, 0)
    end = tf.where(found, start + best % width, 0)
    score = tf.where(found, tf.reduce_max(flat, axis=1), float("-inf"))
    return AnswerSpan(start, end, score)


class WindowedAnswerSpan(NamedTuple):
    """The answer of each example: `window` (int32 [examples], the row it comes from), `start`, `end`
    (int32, inclusive token indices in that row) and `score` (float32)."""

    window: tf.Tensor
    start: tf.Tensor
    end: tf.Tensor
    score: tf.Tensor


def best_answer_over_windows(
    start_logits: tf.Tensor,
    end_logits: tf.Tensor,
    context_mask: tf.Tensor,
    window_to_example: tf.Tensor,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
) -> WindowedAnswerSpan:
    """The best span of each example read in windows (see the module docstring).

    Args:
        start_logits: float [windows, length], one row per window.
        end_logits: float [windows, length].
        context_mask: [windows, length], nonzero on the tokens an answer may start and end at.
        window_to_example: int [windows], the example each row belongs to: 0, 1, ... in order,
            every example with at least one row (`overflow_to_sample_mapping`).
        max_answer_tokens: the longest answer in tokens.

    Returns:
        A `WindowedAnswerSpan` with one entry per example.
    """
    span = best_answer_span(start_logits, end_logits, context_mask, max_answer_tokens)
    scores = tf.RaggedTensor.from_value_rowids(span.score, tf.cast(window_to_example, tf.int64))
    # The first maximum of each example's windows; -inf pads the shorter ones.
    best = tf.argmax(scores.to_tensor(default_value=float("-inf")), axis=1, output_type=tf.int64)
    window = tf.cast(scores.row_starts() + best, tf.int32)
    return WindowedAnswerSpan(
        window, tf.gather(span.start, window), tf.gather(span.end, window), tf.gather(span.score, window)
    )
