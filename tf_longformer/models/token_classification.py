"""`LongformerForTokenClassification`: a label per token (e.g. named entities)."""

from __future__ import annotations

import keras

from tf_longformer.checkpoints import weight_map
from tf_longformer.models.task_model import LongformerTaskModel
from tf_longformer.outputs import LongformerTokenClassifierOutput
from tf_longformer.task_spec import TaskSpec


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerForTokenClassification(LongformerTaskModel):
    """Longformer with dropout and a dense `classifier` over every token, as the reference.

    Args and call arguments: as `LongformerTaskModel` (`config.num_labels` outputs per token); its labels:
        labels: optional [batch, length] class ids; -100 marks positions left out of the loss.

    Returns:
        `LongformerTokenClassifierOutput`: `logits` [batch, length, num_labels], `loss` with labels.
    """

    spec = TaskSpec(
        task="token_classification",
        output_class=LongformerTokenClassifierOutput,
        outputs={"logits": ("batch", "length", "num_labels")},
    )

    @classmethod
    def format_prediction(cls, outputs, example):
        """Each token and its most likely class."""
        tokens = example.tokenizer.convert_ids_to_tokens(list(example.encoding["input_ids"]))
        return {"tokens": tokens, "labels": [example.label(int(i)) for i in outputs["logits"][0].argmax(-1)]}

    def create_head(self, config):
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=self.dtype_policy)
        self.classifier = self.reference_dense(config.num_labels, "classifier")

    def weight_rows(self):
        return weight_map.token_classification_rows(self)

    def label_rules(self, labels):
        return {"labels": dict(layouts=[("batch", "length")], integer=True, num_classes=self.config.num_labels)}

    def head_outputs(self, outputs, sizes, training):
        return {"logits": self.classifier(self.dropout(outputs["last_hidden_state"], training=training))}
