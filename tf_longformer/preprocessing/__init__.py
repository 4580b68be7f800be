"""Keras preprocessing layers: text in, the model's inputs out, tokenized inside the graph."""

from tf_longformer.preprocessing.question_answering import LongformerQuestionAnsweringPreprocessor
from tf_longformer.preprocessing.text_classifier import LongformerTextClassifierPreprocessor

__all__ = ["LongformerQuestionAnsweringPreprocessor", "LongformerTextClassifierPreprocessor"]
