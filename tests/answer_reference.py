"""The extractive-QA answer rule by brute force: the reference the answer ops are tested against."""

import numpy as np


def brute_force_span(start, end, context, limit):
    """The best (i, j) of one row: i <= j < i + limit, both in `context`, highest start[i] + end[j],
    the first such pair in (i, j) order; ((0, 0), -inf) without context tokens."""
    best, best_score = (0, 0), -np.inf
    for i in range(len(start)):
        for j in range(i, min(i + limit, len(end))):
            if context[i] and context[j] and start[i] + end[j] > best_score:
                best, best_score = (i, j), start[i] + end[j]
    return best, best_score
