"""Keras models: the base encoder and the task heads."""

from tf_longformer.models.longformer_model import LongformerModel

__all__ = ["LongformerModel"]
