"""Longformer's byte-level BPE tokenizer (RoBERTa's), on the `tokenizers` library."""

from tf_longformer.tokenization.encoding import BatchEncoding
from tf_longformer.tokenization.global_attention import (
    classification_global_attention_mask,
    question_answering_global_attention_mask,
)
from tf_longformer.tokenization.tokenizer import LongformerTokenizer, LongformerTokenizerFast

__all__ = [
    "BatchEncoding",
    "LongformerTokenizer",
    "LongformerTokenizerFast",
    "classification_global_attention_mask",
    "question_answering_global_attention_mask",
]
