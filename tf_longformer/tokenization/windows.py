"""Sliding QA windows over contexts longer than the model."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tf_longformer.tokenization.encoding import BatchEncoding, to_tensors

#: The longest default `stride` between QA windows (the reference pipelines' `doc_stride`).
MAX_DEFAULT_STRIDE = 128


def qa_windows(
    tokenizer: Any,
    questions: str | Sequence[str],
    contexts: str | Sequence[str],
    *,
    max_length: int,
    stride: int,
    pad_to_multiple_of: int | None,
    return_tensors: str | None,
) -> BatchEncoding:
    """See `LongformerTokenizer.encode_qa_windows`."""
    batch = tokenizer(
        questions,
        contexts,
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        padding="longest" if pad_to_multiple_of else "max_length",
        pad_to_multiple_of=pad_to_multiple_of,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        global_attention="question_answering",
    )
    context_mask = [[1 if s == 1 else 0 for s in row.sequence_ids] for row in batch.encodings]
    offsets = [
        [o if m else (0, 0) for o, m in zip(row, mask)] for row, mask in zip(batch["offset_mapping"], context_mask)
    ]
    data = dict(batch, context_mask=context_mask, offset_mapping=offsets)
    if return_tensors is not None:
        data = {
            k: (to_tensors(v, k, return_tensors) if k != "overflow_to_sample_mapping" else np.asarray(v, np.int32))
            for k, v in data.items()
        }
        if return_tensors == "tf":
            import tensorflow as tf

            data["overflow_to_sample_mapping"] = tf.constant(data["overflow_to_sample_mapping"])
    return BatchEncoding(data, batch.encodings)


def default_stride(max_length: int) -> int:
    """The context tokens consecutive QA windows share by default: about half a window, at most 128."""
    return min((max_length - 6) // 2, MAX_DEFAULT_STRIDE)


def checked_stride(stride: int | None, max_length: int) -> int:
    """`stride` (default: `default_stride`), or ValueError unless 0 <= stride < max_length - 5
    (a window must hold its special tokens, a question token and more than `stride` context tokens)."""
    if stride is None:
        return default_stride(max_length)
    if isinstance(stride, bool) or not isinstance(stride, int) or not 0 <= stride < max_length - 5:
        raise ValueError(
            f"`stride` (the context tokens consecutive windows share) must be an int from 0 to {max_length - 6} "
            f"for rows of {max_length} tokens. Received: stride={stride!r}"
        )
    return stride
