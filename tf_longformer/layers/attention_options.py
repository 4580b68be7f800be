"""`AttentionOptions`: how a Longformer layer attends, as one value the layers pass down.

The encoder, each `LongformerLayer`, its `LongformerAttention` and that block's
`LongformerSelfAttention` all need the same attention hyperparameters. They travel down as
this one value instead of being stored, forwarded and re-serialised as loose arguments at
every level: the encoder holds one without a window and gives each layer a copy with its
window; the self-attention holds that copy, and the blocks above it read it from there. The
layers' public constructors and their `get_config` keep the loose arguments (user code and
saved `.keras` files use them); the value is built from them once, at the level the user
constructs, and `get_config` reads its fields back (`layer_config.ArgumentsConfig`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tf_longformer.ops import attention as attention_ops


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
    """

    num_attention_heads: int
    attention_window: int | None = None
    attention_dropout: float = 0.0
    max_global_tokens: int | None = None
    query_block_size: int | None = None
    initializer_range: float = 0.02

    def __post_init__(self):
        window = self.attention_window
        if window is not None and (window <= 0 or window % 2):
            raise ValueError(f"`attention_window` must be positive and even. Received: attention_window={window}")
        if self.max_global_tokens is not None and self.max_global_tokens < 1:
            raise ValueError(
                f"`max_global_tokens` must be None or >= 1. Received: max_global_tokens={self.max_global_tokens}"
            )

    @classmethod
    def from_arguments(cls, options: AttentionOptions | None, **arguments: Any) -> AttentionOptions:
        """`options`, or the value built from a layer's loose constructor arguments.

        A layer takes one or the other: its loose arguments default to None (meaning the
        field's default), so any that is set next to `options` is an error, not ignored.
        """
        given = {name: value for name, value in arguments.items() if value is not None}
        if options is None:
            return cls(**given)
        if given:
            raise ValueError(f"Pass `attention_options` or the arguments {sorted(given)}, not both.")
        return options

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
