"""`AttentionOptions`: how a Longformer layer attends, as one value the layers pass down.

The encoder, each `LongformerLayer`, its `LongformerAttention` and that block's
`LongformerSelfAttention` all need the same attention hyperparameters: they take this one
value (and serialise it in their `get_config` as a dict), so each field is validated once,
here. Loose arguments exist only where users build a model: `LongformerConfig` and the
models' constructors.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import tensorflow as tf

import tf_longformer._compat as _compat
from tf_longformer.config import check_attention_window, check_positive_int, check_rate
from tf_longformer.ops import attention as attention_ops

SOFTMAX_DTYPES = (None, "float32", "bfloat16")


@dataclasses.dataclass(frozen=True)
class AttentionOptions:
    """The attention hyperparameters of one layer (or, without a window, of a stack).

    Args:
        num_attention_heads: number of heads; divides the hidden width.
        attention_window: window size counting both sides (even, positive); None in the
            encoder's value, whose layers each get their own window (`for_window`).
        attention_dropout: dropout rate on the attention probabilities.
        max_global_tokens: None packs as many global slots as the row with most global
            tokens has (exact for any count; a data-dependent shape, so under XLA each new
            global mask compiles anew). An int fixes the number of slots (shapes then
            depend only on the input shape, which XLA and TPUs want); more global tokens
            than that in a row is an error.
        query_block_size: query rows per block of the banded matmul (default: see
            `ops.attention.default_block_size`: half the window, a quarter in bfloat16).
        initializer_range: stddev of the truncated-normal kernel initialisers.
        softmax_dtype: the dtype of the local rows' masked softmax. None (default):
            `"bfloat16"` where a bfloat16 layer's softmax runs oneDNN's kernel (it computes in
            float32 inside and rounds once, in half the time of casting around a float32
            softmax), `"float32"` everywhere else (float32 and float16 layers, under XLA, on a
            GPU, and whenever the probabilities are returned). `"float32"` always uses
            float32; `"bfloat16"` asks for bfloat16 in bfloat16 layers whatever the kernel.
    """

    num_attention_heads: int
    attention_window: int | None = None
    attention_dropout: float = 0.0
    max_global_tokens: int | None = None
    query_block_size: int | None = None
    initializer_range: float = 0.02
    softmax_dtype: str | None = None

    def __post_init__(self):
        check_positive_int("num_attention_heads", self.num_attention_heads)
        if self.attention_window is not None:
            check_attention_window(self.attention_window)
        check_rate("attention_dropout", self.attention_dropout)
        for name in ("max_global_tokens", "query_block_size"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        if self.softmax_dtype not in SOFTMAX_DTYPES:
            raise ValueError(
                f"`softmax_dtype` must be one of {list(SOFTMAX_DTYPES)}. Received: softmax_dtype={self.softmax_dtype!r}"
            )

    @classmethod
    def from_value(cls, value: AttentionOptions | Mapping[str, Any]) -> AttentionOptions:
        """`value`, or the options a `get_config` dict (`to_config`) describes."""
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            known = [field.name for field in dataclasses.fields(cls)]
            unknown = sorted(set(value) - set(known))
            if unknown:
                raise ValueError(f"Unknown attention options {unknown}; known: {known}")
            return cls(**value)
        raise TypeError(
            f"`attention_options` must be an AttentionOptions or its config dict, got {type(value).__name__}."
        )

    def to_config(self) -> dict[str, Any]:
        """The fields as a dict (JSON-serialisable; `from_value` reads it back)."""
        return dataclasses.asdict(self)

    def for_window(self, attention_window: int | None) -> AttentionOptions:
        """These options with `attention_window` (None: for a stack whose layers differ in it)."""
        return dataclasses.replace(self, attention_window=attention_window)

    @property
    def supports_jit(self) -> bool:
        """Whether shapes depend only on the input shape (Keras' "auto" jit must not pick XLA otherwise)."""
        return self.max_global_tokens is not None

    def layout(self, attention_mask, compute_dtype) -> attention_ops.AttentionLayout:
        """Where each token may look under these options (shared by the layers with this window).

        `compute_dtype`: the attention's (it picks the default block size).
        """
        return attention_ops.attention_layout(
            attention_mask,
            self.attention_window // 2,
            self.query_block_size,
            self.max_global_tokens,
            compute_dtype=compute_dtype,
        )

    def local_softmax_dtype(self, compute_dtype: tf.DType | str, return_probs: bool = False) -> tf.DType:
        """The dtype of the local rows' softmax in a layer computing in `compute_dtype` (see `softmax_dtype`).

        With the default, the answer depends on where the graph is traced (XLA, a GPU): a
        graph keeps the choice of the context that traced it.
        """
        compute_dtype = tf.as_dtype(compute_dtype)
        if compute_dtype != tf.bfloat16 or return_probs or self.softmax_dtype == "float32":
            return tf.float32
        if self.softmax_dtype == "bfloat16" or _compat.onednn_runs_softmax():
            return tf.bfloat16
        return tf.float32
