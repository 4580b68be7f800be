"""Keras models: the base encoder and the task heads.

Each class declares its task once (`spec`, a `TaskSpec`) and registers itself when imported
(`models/registry.py`); the import order below is the order of the tasks on the command line.
"""

from tf_longformer.models.pretrained import LongformerPreTrainedModel
from tf_longformer.models.longformer_model import LongformerModel
from tf_longformer.models.masked_lm import LongformerForMaskedLM
from tf_longformer.models.sequence_classification import LongformerForSequenceClassification
from tf_longformer.models.token_classification import LongformerForTokenClassification
from tf_longformer.models.question_answering import LongformerForQuestionAnswering
from tf_longformer.models.multiple_choice import LongformerForMultipleChoice

__all__ = [
    "LongformerForMaskedLM",
    "LongformerForMultipleChoice",
    "LongformerForQuestionAnswering",
    "LongformerForSequenceClassification",
    "LongformerForTokenClassification",
    "LongformerModel",
    "LongformerPreTrainedModel",
]
