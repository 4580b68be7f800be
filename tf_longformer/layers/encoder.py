"""`LongformerEncoder`: the stack of `LongformerLayer`s."""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

from tf_longformer.layers import layer_functions
from tf_longformer.layers.checkpointing import checkpointed_call
from tf_longformer.layers.transformer_layer import LongformerLayer


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerEncoder(keras.layers.Layer):
    """A stack of `LongformerLayer`s, one attention window per layer.

    Call with hidden states [b, n, hidden] and the merged attention mask [b, n]
    (0 = padding, 1 = local, 2 = global). Returns a dict with `last_hidden_state` and, on
    request, `hidden_states` (embeddings + each layer), `attentions` ([b, heads, n, g + w + 1]
    per layer) and `global_attentions` ([b, heads, n, g] per layer).

    Args:
        attention_windows: one window per layer (its length is the number of layers).
        gradient_checkpointing: recompute each layer's activations in the backward pass
            instead of keeping them (less memory, about one more forward of compute).
        Others: as `LongformerLayer`.
    """

    def __init__(
        self,
        attention_windows: Sequence[int],
        hidden_size: int,
        num_attention_heads: int,
        intermediate_size: int,
        hidden_act: str = "gelu",
        attention_dropout: float = 0.0,
        hidden_dropout: float = 0.0,
        layer_norm_eps: float = 1e-12,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        initializer_range: float = 0.02,
        gradient_checkpointing: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.attention_windows = list(attention_windows)
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.attention_dropout = attention_dropout
        self.hidden_dropout = hidden_dropout
        self.layer_norm_eps = layer_norm_eps
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.initializer_range = initializer_range
        self.gradient_checkpointing = gradient_checkpointing
        self.layers = [
            LongformerLayer(
                hidden_size,
                num_attention_heads,
                intermediate_size,
                window,
                hidden_act=hidden_act,
                attention_dropout=attention_dropout,
                hidden_dropout=hidden_dropout,
                layer_norm_eps=layer_norm_eps,
                max_global_tokens=max_global_tokens,
                query_block_size=query_block_size,
                initializer_range=initializer_range,
                dtype=self.dtype_policy,
                name=f"layer_{index}",
            )
            for index, window in enumerate(self.attention_windows)
        ]
        self.supports_jit = all(layer.supports_jit for layer in self.layers)
        self._layer_functions = layer_functions.FunctionCache()
        # Set by `layer_functions.separate_layer_graphs` while Keras traces predict / evaluate.
        self.separate_layer_graphs = False

    def build(self, input_shape):
        for layer in self.layers:
            layer.build(input_shape)
        self.built = True

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        # Keras keeps `self.layers` in a list that TensorFlow's object graph does not see, so
        # `tf.train.Checkpoint(model=model)` would silently skip every transformer layer.
        children = super()._trackable_children(save_type, **kwargs)
        children.update({layer.name: layer for layer in self.layers})
        return children

    def _run_layer(self, layer, hidden_states, attention_mask, layout, training, return_attention_probs):
        checkpoint = self.gradient_checkpointing and not return_attention_probs
        if isinstance(training, bool) or training is None:
            function = self._layer_function(layer, bool(training), return_attention_probs)
            return layer_functions.call(
                function, layer, hidden_states, attention_mask, layout, training=bool(training), checkpoint=checkpoint
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

    def _layer_function(self, layer, training: bool, return_attention_probs: bool):
        """The traced function shared by every layer with `layer`'s configuration (see `layer_functions`)."""
        separate = self.separate_layer_graphs and not training
        key = (layer_functions.configuration_key(layer), training, return_attention_probs, separate)
        return self._layer_functions.get(
            key,
            lambda: layer_functions.layer_function(
                layer, training=training, return_attention_probs=return_attention_probs, separate=separate
            ),
        )

    def call(self, hidden_states, attention_mask, training=None, output_attentions=False, output_hidden_states=False):
        all_hidden_states, all_attentions, all_global_attentions = [], [], []
        # Where each token may look depends only on the mask and the window: once per window.
        layouts = {}
        for layer in self.layers:
            if layer.attention_window not in layouts:
                layouts[layer.attention_window] = layer.attention.self_attention.layout(attention_mask)
        for layer in self.layers:
            if output_hidden_states:
                all_hidden_states.append(hidden_states)
            result = self._run_layer(
                layer, hidden_states, attention_mask, layouts[layer.attention_window], training, output_attentions
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

    def get_config(self):
        config = super().get_config()
        config.update(
            attention_windows=self.attention_windows,
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            attention_dropout=self.attention_dropout,
            hidden_dropout=self.hidden_dropout,
            layer_norm_eps=self.layer_norm_eps,
            max_global_tokens=self.max_global_tokens,
            query_block_size=self.query_block_size,
            initializer_range=self.initializer_range,
            gradient_checkpointing=self.gradient_checkpointing,
        )
        return config
