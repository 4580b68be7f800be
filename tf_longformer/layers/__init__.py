"""Keras layers of the Longformer model; each stands alone and serialises with `get_config`."""

from tf_longformer.layers.attention_block import LongformerAttention
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.embeddings import LongformerEmbeddings
from tf_longformer.layers.encoder import LongformerEncoder
from tf_longformer.layers.feed_forward import LongformerFeedForward
from tf_longformer.layers.pooler import LongformerPooler
from tf_longformer.layers.residual import ResidualProjection
from tf_longformer.layers.self_attention import LongformerSelfAttention
from tf_longformer.layers.transformer_layer import LongformerLayer

__all__ = [
    "AttentionOptions",
    "LongformerAttention",
    "LongformerEmbeddings",
    "LongformerEncoder",
    "LongformerFeedForward",
    "LongformerLayer",
    "LongformerPooler",
    "LongformerSelfAttention",
    "ResidualProjection",
]
