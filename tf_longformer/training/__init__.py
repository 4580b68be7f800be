"""Training utilities: data pipelines, the fused Adam optimizer and the multi-worker loop."""

from tf_longformer.training.optimizers import FusedAdam

__all__ = ["FusedAdam"]
