"""`LongformerSelfAttention`: projections around the pure attention op."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tf_longformer.ops import attention as attention_ops
from tf_longformer.ops import global_attention
from tf_longformer.ops.projection import project_last_axis


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerSelfAttention(keras.layers.Layer):
    """Sliding-window + global self-attention of one Longformer layer.

    Local tokens use the `query/key/value` projections; global tokens use
    `query_global/key_global/value_global` for their own rows. Call it with the hidden
    states [batch, length, hidden] and the merged `attention_mask` [batch, length]
    (0 = padding, 1 = local, 2 = global). The length may be any value: the layer needs no
    padding to a window multiple (the model pads only to match the reference).

    Args:
        hidden_size: width of the hidden states.
        num_attention_heads: number of heads; divides `hidden_size`.
        attention_window: window size counting both sides (even, positive).
        dropout: dropout rate on the attention probabilities.
        max_global_tokens: None packs as many global slots as the row with most global
            tokens has (exact for any count; a data-dependent shape, so under XLA each new
            global mask compiles anew). An int fixes the number of slots (shapes then
            depend only on the input shape, which XLA and TPUs want); more global tokens
            than that in a row is an error.
        query_block_size: query rows per block of the banded matmul (default: half the window).
        initializer_range: stddev of the truncated-normal kernel initialiser.
        seed: seed of the attention dropout.
    """

    def __init__(
        self,
        hidden_size: int,
        num_attention_heads: int,
        attention_window: int,
        dropout: float = 0.0,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        initializer_range: float = 0.02,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if hidden_size % num_attention_heads:
            raise ValueError(
                f"`hidden_size` must be a multiple of `num_attention_heads`. Received: "
                f"hidden_size={hidden_size}, num_attention_heads={num_attention_heads}"
            )
        if attention_window <= 0 or attention_window % 2:
            raise ValueError(f"`attention_window` must be positive and even. Received: attention_window={attention_window}")
        if max_global_tokens is not None and max_global_tokens < 1:
            raise ValueError(f"`max_global_tokens` must be None or >= 1. Received: max_global_tokens={max_global_tokens}")
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.head_size = hidden_size // num_attention_heads
        self.attention_window = attention_window
        self.dropout_rate = dropout
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.initializer_range = initializer_range
        self.seed = seed
        # Keras' "auto" jit must not pick XLA for a data-dependent number of global slots.
        self.supports_jit = max_global_tokens is not None

        def projection(name: str) -> keras.layers.Dense:
            return keras.layers.Dense(
                hidden_size,
                kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
                dtype=self.dtype_policy,
                name=name,
            )

        self.query = projection("query")
        self.key = projection("key")
        self.value = projection("value")
        self.query_global = projection("query_global")
        self.key_global = projection("key_global")
        self.value_global = projection("value_global")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape=None):
        for layer in (self.query, self.key, self.value, self.query_global, self.key_global, self.value_global):
            layer.build([None, None, self.hidden_size])
        self.built = True

    def _split_heads(self, projected: tf.Tensor) -> tf.Tensor:
        """[b, n, hidden] -> [b, heads, n, head_size]."""
        shape = tf.shape(projected)
        split = tf.reshape(projected, [shape[0], shape[1], self.num_attention_heads, self.head_size])
        return tf.transpose(split, [0, 2, 1, 3])

    def _local_projections(self, hidden_states: tf.Tensor, scale: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """`query` (times `scale`), `key` and `value` of every token as [b, heads, n, head_size].

        One matmul against the three kernels side by side and one transpose, rather than three
        `Dense` calls and three head splits: the same values with a third of the graph ops.
        """
        projections = (self.query, self.key, self.value)
        kernel = tf.concat([tf.cast(dense.kernel, self.compute_dtype) for dense in projections], axis=1)
        bias = tf.concat([tf.cast(dense.bias, self.compute_dtype) for dense in projections], axis=0)
        shape = tf.shape(hidden_states)
        projected = tf.reshape(
            project_last_axis(hidden_states, kernel) + bias,
            [shape[0], shape[1], 3, self.num_attention_heads, self.head_size],
        )
        query, key, value = tf.unstack(tf.transpose(projected, [2, 0, 3, 1, 4]), num=3)
        return query * scale, key, value

    def _split_kernel(self, dense: keras.layers.Dense) -> tuple[tf.Tensor, tf.Tensor]:
        """A projection's kernel [H, h * d] and bias as [H, h, d] and [h, d], in the compute dtype."""
        kernel = tf.cast(dense.kernel, self.compute_dtype)
        bias = tf.cast(dense.bias, self.compute_dtype)
        return (
            tf.reshape(kernel, [-1, self.num_attention_heads, self.head_size]),
            tf.reshape(bias, [self.num_attention_heads, self.head_size]),
        )

    def layout(self, attention_mask) -> attention_ops.AttentionLayout:
        """Where each token may look under this layer's window (shareable by layers with that window)."""
        return attention_ops.attention_layout(
            attention_mask, self.attention_window // 2, self.query_block_size, self.max_global_tokens
        )

    def call(
        self,
        hidden_states,
        attention_mask,
        training=None,
        return_attention_probs=False,
        output_kernel=None,
        attention_layout=None,
    ):
        """Returns the attended states [b, n, hidden], plus, when `return_attention_probs`,
        the local probabilities [b, heads, n, g + window + 1] and the global ones [b, heads, g, n].

        `output_kernel` ([hidden, out], optional): returns `attended @ output_kernel` instead.
        In training the attention is recomputed for its gradient; with the next projection
        inside that recomputed span the attended states need not be kept either
        (`LongformerAttention` passes its output projection's kernel).

        `attention_layout`: `self.layout(attention_mask)` (or that of a layer with the same
        window and block size), when the caller already has it (the encoder builds one per
        window); computed here otherwise.
        """
        if attention_layout is None:
            attention_layout = self.layout(attention_mask)
        scale = 1.0 / math.sqrt(self.head_size)
        global_hidden = tf.gather(hidden_states, attention_layout.global_positions, batch_dims=1)
        projected = (
            *self._local_projections(hidden_states, scale),
            self._split_heads(self.query_global(global_hidden) * scale),
            # key_global/value_global are not applied here: the attention op may fold them
            # into the few global queries instead of projecting all n tokens.
            *global_attention.GlobalKeyValue(
                hidden_states, *self._split_kernel(self.key_global), *self._split_kernel(self.value_global)
            ),
        )
        use_dropout = bool(training) and self.dropout_rate > 0
        dropout_seed = (
            keras.random.randint((2,), 0, 2**30, seed=self.seed_generator, dtype="int32") if use_dropout else None
        )
        shape = tf.shape(hidden_states)

        def attend(*projections, return_probs=False):
            return attention_ops.longformer_attention(
                *projections[:4],
                global_attention.GlobalKeyValue(*projections[4:]),
                attention_layout,
                one_sided_window=self.attention_window // 2,
                block_size=self.query_block_size,
                dropout_rate=self.dropout_rate if use_dropout else 0.0,
                dropout_seed=dropout_seed,
                return_probs=return_probs,
            )

        def merge_and_project(attended, kernel):  # [b, h, n, d] -> [b, n, hidden], then @ kernel if given
            merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [shape[0], shape[1], self.hidden_size])
            return merged if kernel is None else project_last_axis(merged, kernel)

        if return_attention_probs:
            result = attend(*projected, return_probs=True)
            return merge_and_project(result.output, output_kernel), result.local_probs, result.global_probs

        def attend_and_project(*inputs):
            kernel = None if output_kernel is None else inputs[-1]
            return merge_and_project(attend(*inputs[: len(projected)]).output, kernel)

        inputs = projected if output_kernel is None else (*projected, output_kernel)
        if not training:
            return attend_and_project(*inputs)
        # The probabilities ([b, h, blocks, c, g + c + w] floats) are the largest activation by
        # far: keep only the projections and recompute the rest for the gradients (the seeded
        # dropout draws the same masks again). Inference graphs stay free of custom gradients.
        return tf.recompute_grad(attend_and_project)(*inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            attention_window=self.attention_window,
            dropout=self.dropout_rate,
            max_global_tokens=self.max_global_tokens,
            query_block_size=self.query_block_size,
            initializer_range=self.initializer_range,
            seed=self.seed,
        )
        return config
