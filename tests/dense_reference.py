"""A naive dense Longformer attention in NumPy: full n x n scores with a band mask and
global rows/columns. Written for the tests only, as the plainest statement of the semantics."""

import numpy as np


def dense_longformer_attention(
    query, key, value, global_query, global_key, global_value, attention_mask, one_sided_window
):
    """All tensors [b, h, n, d] (queries pre-scaled; `global_query` given for every position).

    Returns the attention output [b, h, n, d] and the dense probabilities [b, h, n, n]
    (row i over keys j; global rows use the global projections), both float64.
    """
    query, key, value, global_query, global_key, global_value = (
        np.asarray(t, np.float64) for t in (query, key, value, global_query, global_key, global_value)
    )
    batch, heads, length, _ = query.shape
    mask = np.asarray(attention_mask)
    output = np.zeros_like(query)
    probabilities = np.zeros((batch, heads, length, length))
    positions = np.arange(length)
    band = np.abs(positions[:, None] - positions[None, :]) <= one_sided_window
    for b in range(batch):
        is_global = mask[b] == 2
        is_local = mask[b] == 1
        not_padding = mask[b] != 0
        # local row i: window keys that are local tokens, plus every global token
        local_allowed = (band & is_local[None, :]) | is_global[None, :]
        for h in range(heads):
            local_scores = np.where(local_allowed, query[b, h] @ key[b, h].T, -np.inf)
            global_scores = np.where(not_padding[None, :], global_query[b, h] @ global_key[b, h].T, -np.inf)
            for i in range(length):
                if not not_padding[i]:
                    continue
                if is_global[i]:
                    scores, values = global_scores[i], global_value[b, h]
                else:
                    scores, values = local_scores[i], value[b, h]
                weights = np.exp(scores - scores.max())
                probabilities[b, h, i] = weights / weights.sum()
                output[b, h, i] = probabilities[b, h, i] @ values
    return output, probabilities
