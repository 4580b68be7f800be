"""`LongformerForMaskedLM`: the backbone and the masked-LM head tied to the word embeddings."""

from __future__ import annotations

import keras
import numpy as np

from tf_longformer.checkpoints import weight_map
from tf_longformer.layers.heads import LongformerLMHead
from tf_longformer.models import prediction
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.outputs import LongformerMaskedLMOutput
from tf_longformer.task_spec import TaskSpec


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForMaskedLM(LongformerTaskModel):
    """Longformer with the masked-language-modelling head (`lm_head`) of the reference.

    The decoder shares the word-embedding matrix (`lm_head.decoder` is tied, as in the
    reference); only its bias (`lm_head.bias`) is the head's own.

    Args and call arguments: as `LongformerTaskModel`; its labels:
        labels: optional [batch, length] token ids; -100 marks positions left out of the loss.

    Returns:
        `LongformerMaskedLMOutput`: `logits` [batch, length, vocab_size], `loss` with labels.

    Example:
        >>> model = LongformerForMaskedLM(config)
        >>> out = model(input_ids=ids, labels=labels)
        >>> out.loss, out.logits.shape
    """

    spec = TaskSpec(
        task="masked_lm",
        output_class=LongformerMaskedLMOutput,
        outputs={"logits": ("batch", "length", "vocab_size")},
    )

    @classmethod
    def format_prediction(cls, outputs, example):
        """For each `<mask>` token: its position and the `top_k` most likely tokens with their probabilities."""
        tokenizer = example.tokenizer
        ids = list(example.encoding["input_ids"])
        masks = []
        for position in (p for p, token in enumerate(ids) if token == tokenizer.mask_token_id):
            probabilities = prediction.softmax(outputs["logits"][0, position])
            top = np.argsort(-probabilities)[: example.top_k]
            candidates = [
                {"token": tokenizer.decode([int(t)]), "score": prediction.rounded(probabilities[t])} for t in top
            ]
            masks.append({"position": position, "predictions": candidates})
        return {"masks": masks}

    def create_head(self, config):
        self.lm_head = self.head_layer(
            LongformerLMHead, "lm_head", vocab_size=config.vocab_size, layer_norm_eps=config.layer_norm_eps
        )

    def weight_rows(self):
        return weight_map.masked_lm_rows(self)

    def label_rules(self, labels):
        return {"labels": dict(layouts=[("batch", "length")], integer=True, num_classes=self.config.vocab_size)}

    def head_outputs(self, outputs, sizes, training):
        embeddings = self.longformer.embeddings.word_embedding_rows()  # the tied decoder
        return {"logits": self.lm_head(outputs["last_hidden_state"], embeddings)}
