"""Keras models: the base encoder and the task heads."""

from tf_longformer.models.longformer_model import LongformerModel
from tf_longformer.models.masked_lm import LongformerForMaskedLM
from tf_longformer.models.multiple_choice import LongformerForMultipleChoice
from tf_longformer.models.pretrained import LongformerPreTrainedModel
from tf_longformer.models.question_answering import LongformerForQuestionAnswering
from tf_longformer.models.sequence_classification import LongformerForSequenceClassification
from tf_longformer.models.token_classification import LongformerForTokenClassification

__all__ = [
    "LongformerForMaskedLM",
    "LongformerForMultipleChoice",
    "LongformerForQuestionAnswering",
    "LongformerForSequenceClassification",
    "LongformerForTokenClassification",
    "LongformerModel",
    "LongformerPreTrainedModel",
]
