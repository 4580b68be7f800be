"""`LongformerSelfAttention`: projections around the pure attention op."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tf_longformer.layers import fusion
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.checkpointing import recomputed
from tf_longformer.layers.layer_config import ArgumentsConfig, reference_dense
from tf_longformer.ops import attention as attention_ops
from tf_longformer.ops import global_attention, global_tokens
from tf_longformer.ops.projection import project_last_axis


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerSelfAttention(ArgumentsConfig, keras.layers.Layer):
    """Sliding-window + global self-attention of one Longformer layer.

    Local tokens use the `query/key/value` projections; global tokens use
    `query_global/key_global/value_global` for their own rows. Call it with the hidden
    states [batch, length, hidden] and the merged `attention_mask` [batch, length]
    (0 = padding, 1 = local, 2 = global). The length may be any value: the layer needs no
    padding to a window multiple (the model pads only to match the reference).

    Args:
        attention_options: an `AttentionOptions` with a window (or its `get_config` dict).
        hidden_size: width of the hidden states (default: read from the build shape).
        seed: seed of the attention dropout.
    """

    def __init__(
        self,
        attention_options: AttentionOptions | dict,
        hidden_size: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        options = AttentionOptions.from_value(attention_options)
        if options.attention_window is None:
            raise ValueError(
                "`LongformerSelfAttention` needs options with an `attention_window`. Received: attention_window=None"
            )
        self.attention_options = options
        self.hidden_size = None
        if hidden_size is not None:
            self._set_hidden_size(hidden_size)
        self.seed = seed
        # Keras' "auto" jit must not pick XLA for a data-dependent number of global slots.
        self.supports_jit = options.supports_jit
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _set_hidden_size(self, hidden_size: int) -> None:
        heads = self.attention_options.num_attention_heads
        if hidden_size % heads:
            raise ValueError(
                f"`hidden_size` must be a multiple of `num_attention_heads`. Received: "
                f"hidden_size={hidden_size}, num_attention_heads={heads}"
            )
        if self.hidden_size not in (None, hidden_size):
            raise ValueError(
                f"This layer has hidden_size={self.hidden_size}; it cannot take inputs of width {hidden_size}."
            )
        self.hidden_size = hidden_size
        self.head_size = hidden_size // heads

    @property
    def num_attention_heads(self) -> int:
        return self.attention_options.num_attention_heads

    def build(self, input_shape):
        self._set_hidden_size(int(input_shape[-1]))

        def projection(name: str) -> keras.layers.Dense:
            dense = reference_dense(self.hidden_size, self.attention_options.initializer_range, self.dtype_policy, name)
            dense.build([None, None, self.hidden_size])
            return dense

        self.query = projection("query")
        self.key = projection("key")
        self.value = projection("value")
        self.query_global = projection("query_global")
        self.key_global = projection("key_global")
        self.value_global = projection("value_global")
        self.built = True

    def _split_heads(self, projected: tf.Tensor) -> tf.Tensor:
        """[b, n, hidden] -> [b, heads, n, head_size]."""
        shape = tf.shape(projected)
        split = tf.reshape(projected, [shape[0], shape[1], self.num_attention_heads, self.head_size])
        return tf.transpose(split, [0, 2, 1, 3])

    def _local_projections(self, hidden_states: tf.Tensor, scale: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """`query` (times `scale`), `key` and `value` of every token as [b, heads, n, head_size].

        One matmul against the three kernels side by side and one transpose, rather than three
        `Dense` calls and three head splits: the same values with a third of the graph ops
        (where `fusion.fusable`; otherwise the three layers are called).
        """
        projections = (self.query, self.key, self.value)
        if not fusion.fusable(*projections):
            query, key, value = (self._split_heads(dense(hidden_states)) for dense in projections)
            return query * scale, key, value
        kernel = tf.concat([tf.cast(dense.kernel, self.compute_dtype) for dense in projections], axis=1)
        bias = tf.concat([tf.cast(dense.bias, self.compute_dtype) for dense in projections], axis=0)
        shape = tf.shape(hidden_states)
        projected = tf.reshape(
            project_last_axis(hidden_states, kernel) + bias,
            [shape[0], shape[1], 3, self.num_attention_heads, self.head_size],
        )
        query, key, value = tf.unstack(tf.transpose(projected, [2, 0, 3, 1, 4]), num=3)
        return query * scale, key, value

    def _global_key_value(self, hidden_states: tf.Tensor):
        """What the global keys and values are made from (see `ops.global_attention`)."""
        if not fusion.fusable(self.key_global, self.value_global):
            return global_attention.ProjectedGlobalKeyValue(
                self._split_heads(self.key_global(hidden_states)), self._split_heads(self.value_global(hidden_states))
            )
        # Not projected here: the attention op may fold the kernels into the few global queries.
        return global_attention.GlobalKeyValue(
            hidden_states, *self._split_kernel(self.key_global), *self._split_kernel(self.value_global)
        )

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
        return self.attention_options.layout(attention_mask, self.compute_dtype)

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
        (`LongformerAttention` passes its output projection's `fused_kernel()`).

        `attention_layout`: `self.layout(attention_mask)` (or that of a layer with the same
        window and block size), when the caller already has it (the encoder builds one per
        window); computed here otherwise.
        """
        if attention_layout is None:
            attention_layout = self.layout(attention_mask)
        scale = 1.0 / math.sqrt(self.head_size)
        global_hidden = tf.gather(hidden_states, attention_layout.global_positions, batch_dims=1)
        global_source = self._global_key_value(hidden_states)
        projected = (
            *self._local_projections(hidden_states, scale),
            self._split_heads(self.query_global(global_hidden) * scale),
            *global_source,
        )
        options = self.attention_options
        one_sided_window = options.attention_window // 2
        use_dropout = bool(training) and options.attention_dropout > 0
        dropout_seed = (
            keras.random.randint((2,), 0, 2**30, seed=self.seed_generator, dtype="int32") if use_dropout else None
        )

        def attend(*projections, return_probs=False):
            return attention_ops.longformer_attention(
                *projections[:4],
                type(global_source)(*projections[4:]),
                attention_layout,
                one_sided_window=one_sided_window,
                block_size=options.query_block_size,
                dropout_rate=options.attention_dropout if use_dropout else 0.0,
                dropout_seed=dropout_seed,
                return_probs=return_probs,
                softmax_dtype=options.local_softmax_dtype(self.compute_dtype, return_probs),
            )

        def merge_and_project(attended, kernel):  # [b, h, n, d] -> [b, n, hidden], then @ kernel if given
            # The shape from `attended` itself: a captured tensor would become a constant input of
            # the recomputed span's calls wherever the length is static, and TensorFlow would then
            # optimise one copy of the span per layer.
            batch, length = tf.shape(attended)[0], tf.shape(attended)[2]
            merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, self.hidden_size])
            return merged if kernel is None else project_last_axis(merged, kernel)

        if return_attention_probs:
            result = attend(*projected, return_probs=True)
            probs = (result.local_probs, result.global_probs)
            if options.max_global_tokens is None:  # the reference's shapes: no filler slot
                probs = global_tokens.without_filler_slots(*probs, attention_layout.global_slot_is_valid)
            return merge_and_project(result.output, output_kernel), *probs

        def attend_and_project(*inputs):
            kernel = None if output_kernel is None else inputs[-1]
            return merge_and_project(attend(*inputs[: len(projected)]).output, kernel)

        inputs = projected if output_kernel is None else (*projected, output_kernel)
        if not training:
            return attend_and_project(*inputs)
        # The probabilities ([b, h, blocks, c, g + c + w] floats) are the largest activation by
        # far: keep only the projections and recompute the rest for the gradients (the seeded
        # dropout draws the same masks again). Inference graphs stay free of custom gradients.
        return recomputed(attend_and_project, inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
