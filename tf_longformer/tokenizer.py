"""`LongformerTokenizer` (and `LongformerTokenizerFast`, the same class); see `tf_longformer.tokenization`."""

from tf_longformer.tokenization import (  # noqa: F401
    BatchEncoding,
    LongformerTokenizer,
    LongformerTokenizerFast,
    classification_global_attention_mask,
    question_answering_global_attention_mask,
)
