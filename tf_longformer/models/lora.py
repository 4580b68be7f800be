"""LoRA fine-tuning of a whole backbone, as keras-hub's `Backbone.enable_lora` does it."""

from __future__ import annotations

from typing import Sequence

import keras

import tf_longformer._compat as _compat

#: The projections that get LoRA by default: local and global query and value. Global tokens
#: (a classifier's `<s>`, a question) read only the global ones, the other tokens the local ones.
DEFAULT_TARGETS = ("query", "value", "query_global", "value_global")


def enable_lora(backbone: keras.layers.Layer, rank: int, target_layer_names: Sequence[str] | None = None) -> int:
    """Freezes every weight of `backbone`, then gives LoRA of `rank` to its layers named in
    `target_layer_names` (their bias stays trainable, as Keras' `Dense.enable_lora` leaves it).

    Layers outside `backbone` (a task head's classifier) are left as they are. Checked before
    anything changes: `rank`, the names (each must name at least one layer that supports
    LoRA), and that none of those layers has LoRA already.

    Returns:
        The number of layers that got LoRA.
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(f"`rank` must be a positive int. Received: rank={rank!r}")
    names = tuple(DEFAULT_TARGETS if target_layer_names is None else target_layer_names)
    if isinstance(target_layer_names, str) or not names:
        raise ValueError(
            f"`target_layer_names` must be a non-empty sequence of layer names. Received: {target_layer_names!r}"
        )
    if not backbone.built:
        backbone.build()
    layers = _compat.flatten_layers(backbone)[1:]
    targets = [layer for layer in layers if layer.name in names and hasattr(layer, "enable_lora")]
    missing = sorted(set(names) - {layer.name for layer in targets})
    if missing:
        raise ValueError(
            f"No layer of {backbone.name} that supports LoRA is named {missing}. The projections of each "
            f"attention layer are named query, key, value, query_global, key_global, value_global."
        )
    enabled = [layer.path for layer in targets if layer.lora_enabled]
    if enabled:
        raise ValueError(f"LoRA is enabled already on {enabled}; it can be enabled once per layer.")
    backbone.trainable = True
    for layer in layers:
        layer.trainable = False
    for layer in targets:
        layer.trainable = True
        layer.enable_lora(rank)
    return len(targets)
