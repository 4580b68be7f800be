"""`LongformerModel`: embeddings, encoder and pooler, with the reference's input handling."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras
import tensorflow as tf

from tf_longformer.config import LongformerConfig
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.embeddings import LongformerEmbeddings
from tf_longformer.layers.encoder import LongformerEncoder
from tf_longformer.layers.pooler import LongformerPooler
from tf_longformer.models import dtype_policy, lora, prediction
from tf_longformer.models import inputs as model_inputs
from tf_longformer.models.pretrained import LongformerPreTrainedModel
from tf_longformer.ops import masks as mask_ops
from tf_longformer.outputs import LongformerBaseModelOutputWithPooling
from tf_longformer.task_spec import TaskSpec


def config_from_argument(config: LongformerConfig | dict) -> LongformerConfig:
    """Models take a `LongformerConfig`; a dict (from `get_config`) is turned into one."""
    if isinstance(config, dict):
        return LongformerConfig.from_dict(config)
    if not isinstance(config, LongformerConfig):
        raise TypeError(f"`config` must be a LongformerConfig, got {type(config).__name__}.")
    return config


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerModel(LongformerPreTrainedModel):
    """The bare Longformer encoder: `last_hidden_state` and `pooler_output`.

    Inputs may be given as keyword arguments, as the reference takes them, or as one dict
    (the Keras way); `input_ids` may also be the first positional argument. Inputs of any
    length are right-padded to a multiple of the largest attention window and the outputs
    cut back, so callers never see the padding.

    Args:
        config: the model's `LongformerConfig`.
        add_pooling_layer: whether to build the pooler (heads that do not use it skip it).
        max_global_tokens: see `LongformerSelfAttention`: None (default) for any number of
            global tokens; an int for shapes that do not depend on the global mask (XLA).
        query_block_size: query rows per block in the banded attention (speed knob).
        softmax_dtype: the local attention softmax's dtype (see `AttentionOptions`): None
            (default) picks per platform, `"float32"` always float32.

    Call arguments:
        - `input_ids`: [batch, length] int token ids, or a dict holding any of the inputs below.
        - `attention_mask`: [batch, length], 1 for tokens, 0 for padding (default all 1).
        - `global_attention_mask`: [batch, length], 1 for tokens with global attention.
        - `token_type_ids`, `position_ids`: [batch, length] int (defaults as the reference).
        - `inputs_embeds`: [batch, length, hidden] instead of `input_ids`.
        - `output_attentions`, `output_hidden_states`: also return those (see the output class).
        - `training`: dropout on or off.
        - `shared_layer_graphs`: in a traced function outside training, layers with the same
          configuration call one traced layer graph instead of each inlining its own: a
          much faster first call, but TFLite's converter cannot convert the graph (see
          `LongformerEncoder`). Keras' `predict` uses it; leave it off in graphs to export.

    Returns:
        `LongformerBaseModelOutputWithPooling` (a dict with attribute access).

    Example:
        >>> config = LongformerConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
        ...     num_attention_heads=2, intermediate_size=64, attention_window=8,
        ...     max_position_embeddings=130)
        >>> model = LongformerModel(config)
        >>> out = model(input_ids=tf.constant([[0, 5, 6, 2]]), global_attention_mask=tf.constant([[1, 0, 0, 0]]))
        >>> out.last_hidden_state.shape
        TensorShape([1, 4, 32])
    """

    spec = TaskSpec(
        task="base",
        output_class=LongformerBaseModelOutputWithPooling,
        outputs={"last_hidden_state": ("batch", "length", "hidden_size"), "pooler_output": ("batch", "hidden_size")},
        label_names=(),
    )

    @classmethod
    def format_prediction(cls, outputs, example):
        """The token count and the document's embedding (`pooler_output`, else `<s>`'s hidden state)."""
        embedding = outputs["pooler_output"] if "pooler_output" in outputs else outputs["last_hidden_state"][:, 0]
        return {"tokens": len(example.encoding["input_ids"]), "embedding": prediction.rounded(embedding[0])}

    def __init__(
        self,
        config: LongformerConfig | dict,
        add_pooling_layer: bool = True,
        max_global_tokens: int | None = None,
        query_block_size: int | None = None,
        softmax_dtype: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.config = config_from_argument(config)
        self.add_pooling_layer = add_pooling_layer
        self.max_global_tokens = max_global_tokens
        self.query_block_size = query_block_size
        self.softmax_dtype = softmax_dtype
        config = self.config
        self.embeddings = LongformerEmbeddings(
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            max_position_embeddings=config.max_position_embeddings,
            type_vocab_size=config.type_vocab_size,
            pad_token_id=config.pad_token_id,
            layer_norm_eps=config.layer_norm_eps,
            dropout=config.hidden_dropout_prob,
            initializer_range=config.initializer_range,
            dtype=self.dtype_policy,
            name="embeddings",
        )
        attention_options = AttentionOptions(
            num_attention_heads=config.num_attention_heads,
            attention_dropout=config.attention_probs_dropout_prob,
            max_global_tokens=max_global_tokens,
            query_block_size=query_block_size,
            initializer_range=config.initializer_range,
            softmax_dtype=softmax_dtype,
        )
        self.encoder = LongformerEncoder(
            config.attention_windows,
            attention_options,
            hidden_size=config.hidden_size,
            intermediate_size=config.intermediate_size,
            hidden_act=config.hidden_act,
            hidden_dropout=config.hidden_dropout_prob,
            layer_norm_eps=config.layer_norm_eps,
            gradient_checkpointing=config.gradient_checkpointing,
            dtype=self.dtype_policy,
            name="encoder",
        )
        self.pooler = (
            LongformerPooler(config.hidden_size, config.initializer_range, dtype=self.dtype_policy, name="pooler")
            if add_pooling_layer
            else None
        )
        self.supports_jit = self.encoder.supports_jit

    def enable_lora(self, rank: int, target_layer_names: Sequence[str] | None = None) -> None:
        """LoRA fine-tuning (keras-hub's convention): freezes every weight and gives LoRA of `rank`
        to the projections named in `target_layer_names` (default: `lora.DEFAULT_TARGETS`, the
        local and global query and value of every layer). `fit` then trains the LoRA factors
        (and those projections' biases) only. Compile after it, as with keras-hub: an optimizer
        built before knows only the variables of then (Keras' "Unknown variable" error).

        Raises:
            ValueError: a bad `rank`, a name that matches no projection, or LoRA enabled already;
                nothing changes then.
        """
        lora.enable_lora(self, rank, target_layer_names)

    @property
    def window_multiple(self) -> int:
        """Inputs are padded to a multiple of this (the largest attention window)."""
        return max(self.config.attention_windows)

    def build(self, input_shape=None):
        if self.built:  # e.g. `build()` then `quantize()` on a model `from_pretrained` already built
            return
        hidden_shape = (None, None, self.config.hidden_size)
        self.embeddings.build((None, None))
        self.encoder.build(hidden_shape)
        if self.pooler is not None:
            self.pooler.build(hidden_shape)
        self.built = True

    @property
    def task_spec(self) -> TaskSpec:
        """The class's spec, without `pooler_output` when the model has no pooler."""
        if self.pooler is not None:
            return self.spec
        return self.spec._replace(outputs={"last_hidden_state": self.spec.outputs["last_hidden_state"]})

    def prepare_inputs(self, values: Mapping[str, Any]) -> model_inputs.ModelInputs:
        """Validates and fills the inputs (`{name: value or None}` for `INPUT_NAMES`); raises on bad input."""
        config = self.config
        return model_inputs.validate_and_fill(
            values,
            vocab_size=config.vocab_size,
            type_vocab_size=config.type_vocab_size,
            hidden_size=config.hidden_size,
            max_sequence_length=config.max_sequence_length,
            max_position_embeddings=config.max_position_embeddings,
        )

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        global_attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        inputs_embeds=None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        training=None,
        shared_layer_graphs: bool = False,
    ):
        values = model_inputs.unpack_inputs(
            input_ids,
            attention_mask=attention_mask,
            global_attention_mask=global_attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
        )
        return self.encode(
            self.prepare_inputs(values), output_attentions, output_hidden_states, training, shared_layer_graphs
        )

    def encode(
        self,
        inputs: model_inputs.ModelInputs,
        output_attentions=False,
        output_hidden_states=False,
        training=None,
        shared_layer_graphs=False,
    ) -> LongformerBaseModelOutputWithPooling:
        """Runs the model on already validated inputs (used by the task heads)."""
        config = self.config
        position_ids = inputs.position_ids
        if position_ids is None and inputs.inputs_embeds is not None:
            # Sequential positions for the real tokens (padding's are never seen).
            shape = tf.shape(inputs.inputs_embeds)
            position_ids = mask_ops.position_ids_from_length(shape[0], shape[1], config.pad_token_id)
        pad_embedding = self.embeddings.word_embedding_rows(config.pad_token_id)
        padded, length = model_inputs.pad_to_window_multiple(
            inputs._replace(position_ids=position_ids), self.window_multiple, config.pad_token_id, pad_embedding
        )
        merged_mask = mask_ops.merge_attention_masks(padded.attention_mask, padded.global_attention_mask)
        hidden = self.embeddings(
            input_ids=padded.input_ids,
            token_type_ids=padded.token_type_ids,
            position_ids=padded.position_ids,
            inputs_embeds=padded.inputs_embeds,
            training=training,
        )
        encoded = self.encoder(
            hidden,
            merged_mask,
            training=training,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            shared_layer_graphs=shared_layer_graphs,
        )
        sequence_output = encoded["last_hidden_state"][:, :length]
        outputs = {
            "last_hidden_state": sequence_output,
            "pooler_output": self.pooler(sequence_output) if self.pooler is not None else None,
        }
        if output_hidden_states:
            outputs["hidden_states"] = tuple(state[:, :length] for state in encoded["hidden_states"])
        if output_attentions:
            outputs["attentions"] = tuple(probs[:, :, :length] for probs in encoded["attentions"])
            # As the reference: global attentions keep the padded length.
            outputs["global_attentions"] = encoded["global_attentions"]
        return LongformerBaseModelOutputWithPooling(outputs)

    def get_config(self):
        return {
            "config": self.config.to_dict(),
            "add_pooling_layer": self.add_pooling_layer,
            "max_global_tokens": self.max_global_tokens,
            "query_block_size": self.query_block_size,
            "softmax_dtype": self.softmax_dtype,
            "name": self.name,
            "dtype": dtype_policy.serialize(self),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**dtype_policy.deserialize(config))
