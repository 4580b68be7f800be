"""`LongformerEncoder`: the stack of `LongformerLayer`s."""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

import tf_longformer._compat as _compat
from tf_longformer.layers import layer_functions
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.checkpointing import checkpointed_call
from tf_longformer.layers.layer_config import ArgumentsConfig
from tf_longformer.layers.transformer_layer import LongformerLayer


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerEncoder(ArgumentsConfig, keras.layers.Layer):
    """A stack of `LongformerLayer`s, one attention window per layer.

    Call with hidden states [b, n, hidden] and the merged attention mask [b, n]
    (0 = padding, 1 = local, 2 = global). Returns a dict with `last_hidden_state` and, on
    request, `hidden_states` (embeddings + each layer), `attentions` ([b, heads, n, g + w + 1]
    per layer) and `global_attentions` ([b, heads, n, g] per layer).

    Args:
        attention_windows: one window per layer (its length is the number of layers).
        attention_options: an `AttentionOptions` (or its `get_config` dict) for every layer;
            its `attention_window` is ignored, each layer gets its own from `attention_windows`.
        gradient_checkpointing: recompute each layer's activations in the backward pass
            instead of keeping them (less memory, about one more forward of compute).
        **kwargs: the other arguments of `LongformerLayer` (sizes, dropout, epsilon), and Keras'.

    Call arguments:
        - `shared_layer_graphs`: outside training, every layer calls the one graph traced for
          its configuration rather than inlining it: TensorFlow then optimises each distinct
          layer graph once, not once per layer (a much faster first call of a traced
          function). TFLite's converter cannot convert such calls, so graphs that may be
          exported leave it off; Keras' `predict` turns it on.

    A training step inlines the layer graphs it differentiates: the gradient of a kept call
    would hold every tensor its backward pass reads (some only for their shapes) until that
    pass ends, more memory than the inlined ops, whose tensors go as soon as they are read.
    What TensorFlow does not differentiate stays a call, optimised once per distinct layer
    rather than once per layer: the attention's recomputed span (see
    `checkpointing.recomputed`) and, with gradient checkpointing, the forward pass.
    """

    def __init__(
        self,
        attention_windows: Sequence[int],
        attention_options: AttentionOptions | dict,
        hidden_size: int | None = None,
        intermediate_size: int | None = None,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        gradient_checkpointing: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.attention_windows = list(attention_windows)
        # Each layer gets its own window, from `attention_windows`.
        self.attention_options = AttentionOptions.from_value(attention_options).for_window(None)
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.gradient_checkpointing = gradient_checkpointing
        self.layers = [
            LongformerLayer(
                self.attention_options.for_window(window),
                hidden_size,
                intermediate_size=intermediate_size,
                hidden_act=hidden_act,
                hidden_dropout=hidden_dropout,
                layer_norm_eps=layer_norm_eps,
                dtype=self.dtype_policy,
                name=f"layer_{index}",
            )
            for index, window in enumerate(self.attention_windows)
        ]
        self.supports_jit = self.attention_options.supports_jit
        self._layer_functions = layer_functions.FunctionCache()

    def build(self, input_shape):
        self.hidden_size = int(input_shape[-1])
        for layer in self.layers:
            layer.build(input_shape)
        self.built = True

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        """TensorFlow hook (private; listed in `tf_longformer._compat`): this layer's tracked children."""
        # Keras keeps `self.layers` in a list that TensorFlow's object graph does not see, so
        # `tf.train.Checkpoint(model=model)` would silently skip every transformer layer.
        children = super()._trackable_children(save_type, **kwargs)
        children.update({layer.name: layer for layer in self.layers})
        return children

    def _run_layer(self, layer, hidden_states, attention_mask, layout, training, return_attention_probs, shared):
        checkpoint = self.gradient_checkpointing and not return_attention_probs
        if isinstance(training, bool) or training is None:
            training = bool(training)
            inline = training or not shared
            # Checkpointed training differentiates the recomputation, not the forward pass.
            forward_inline = inline and not (checkpoint and training)
            function = self._layer_function(layer, training, return_attention_probs, forward_inline)
            recompute = self._layer_function(layer, training, return_attention_probs, inline) if checkpoint else None
            return layer_functions.call(
                function, layer, hidden_states, attention_mask, layout, training=training, recompute=recompute
            )
        if checkpoint:
            # Keep only the layer's input; recompute its activations (same dropout masks) for gradients.
            return checkpointed_call(layer, hidden_states, attention_mask, training=training, attention_layout=layout)
        return layer(
            hidden_states,
            attention_mask,
            training=training,
            return_attention_probs=return_attention_probs,
            attention_layout=layout,
        )

    def _layer_function(self, layer, training: bool, return_attention_probs: bool, inline: bool):
        """The traced function shared by every layer with `layer`'s configuration (see `layer_functions`)."""
        # What a layer traces depends on where (the default softmax dtype, the recomputation's
        # form under XLA): part of the key.
        softmax_dtype = layer.attention_options.local_softmax_dtype(layer.compute_dtype, return_attention_probs)
        compiled = _compat.in_xla_compilation()
        key = (layer_functions.configuration_key(layer), training, return_attention_probs, inline)
        key += (softmax_dtype, compiled)
        return self._layer_functions.get(
            key,
            lambda: layer_functions.layer_function(
                layer, training=training, return_attention_probs=return_attention_probs, inline=inline
            ),
        )

    def call(
        self,
        hidden_states,
        attention_mask,
        training=None,
        output_attentions=False,
        output_hidden_states=False,
        shared_layer_graphs=False,
    ):
        all_hidden_states, all_attentions, all_global_attentions = [], [], []
        # Where each token may look depends only on the mask, the attention options and the
        # compute dtype: computed once for all the layers that share them.
        layouts = {}
        for layer in self.layers:
            key = (layer.attention_options, layer.compute_dtype)
            if key not in layouts:
                layouts[key] = layer.attention_layout(attention_mask)
        for layer in self.layers:
            if output_hidden_states:
                all_hidden_states.append(hidden_states)
            layout = layouts[(layer.attention_options, layer.compute_dtype)]
            result = self._run_layer(
                layer, hidden_states, attention_mask, layout, training, output_attentions, shared_layer_graphs
            )
            if output_attentions:
                hidden_states, local_probs, global_probs = result
                all_attentions.append(local_probs)
                all_global_attentions.append(tf.transpose(global_probs, [0, 1, 3, 2]))
            else:
                hidden_states = result
        outputs = {"last_hidden_state": hidden_states}
        if output_hidden_states:
            outputs["hidden_states"] = tuple(all_hidden_states) + (hidden_states,)
        if output_attentions:
            outputs["attentions"] = tuple(all_attentions)
            outputs["global_attentions"] = tuple(all_global_attentions)
        return outputs

    def compute_output_shape(self, input_shape):
        """`{"last_hidden_state": input_shape}` (the extra outputs are asked for per call)."""
        return {"last_hidden_state": tuple(input_shape)}
