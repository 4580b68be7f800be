"""`LongformerForMaskedLM`: the backbone and the masked-LM head tied to the word embeddings."""

from __future__ import annotations

import keras

from tf_longformer.checkpoints import weight_map
from tf_longformer.layers.heads import LongformerLMHead
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.outputs import LongformerMaskedLMOutput


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForMaskedLM(LongformerTaskModel):
    """Longformer with the masked-language-modelling head (`lm_head`) of the reference.

    The decoder shares the word-embedding matrix (`lm_head.decoder` is tied, as in the
    reference); only its bias (`lm_head.bias`) is the head's own.

    Args:
        config: the model's `LongformerConfig`.
        max_global_tokens, query_block_size: passed to the backbone (see `LongformerModel`).

    Call arguments:
        The inputs of `LongformerModel` (keywords or one dict), and
        labels: optional [batch, length] token ids; -100 marks positions left out of the loss.

    Returns:
        `LongformerMaskedLMOutput`: `logits` [batch, length, vocab_size], `loss` with labels.

    Example:
        >>> model = LongformerForMaskedLM(config)
        >>> out = model(input_ids=ids, labels=labels)
        >>> out.loss, out.logits.shape
    """

    def __init__(self, config, max_global_tokens=None, query_block_size=None, **kwargs):
        super().__init__(config, max_global_tokens, query_block_size, **kwargs)
        config = self.config
        self.lm_head = LongformerLMHead(
            config.vocab_size,
            config.hidden_size,
            layer_norm_eps=config.layer_norm_eps,
            initializer_range=config.initializer_range,
            dtype=self.dtype_policy,
            name="lm_head",
        )

    def build_head(self):
        self.lm_head.build(None)

    def weight_rows(self):
        return weight_map.masked_lm_rows(self)

    def label_rules(self, labels):
        return {"labels": dict(layouts=[("batch", "length")], integer=True, num_classes=self.config.vocab_size)}

    def call(
        self,
        input_ids=None,
        attention_mask=None,
        global_attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        inputs_embeds=None,
        labels=None,
        output_attentions=False,
        output_hidden_states=False,
        training=None,
    ):
        values, targets = self.split_inputs(
            input_ids,
            dict(attention_mask=attention_mask, global_attention_mask=global_attention_mask,
                 token_type_ids=token_type_ids, position_ids=position_ids, inputs_embeds=inputs_embeds),
            {"labels": labels},
        )
        inputs = self.prepare(values)
        targets = self.checked_labels(targets, self.sequence_sizes(inputs))
        outputs = self.longformer.encode(inputs, output_attentions, output_hidden_states, training)
        logits = self.lm_head(
            outputs["last_hidden_state"], self.longformer.embeddings.word_embeddings.embeddings
        )
        loss = self.loss_from_labels({"logits": logits}, targets)
        return LongformerMaskedLMOutput(loss=loss, logits=logits, **self.backbone_extras(outputs))
