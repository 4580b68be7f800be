"""A model's dtype policy in its config, quantized sub-layers included."""

from __future__ import annotations

from typing import Any

import keras

import tf_longformer._compat as _compat


def serialize(model: keras.Model) -> dict[str, Any]:
    """`model`'s dtype policy for `get_config`.

    Our layers build their own sub-layers, so a sub-layer's quantization (`model.quantize`)
    is not in any config: it goes into a `DTypePolicyMap` of the quantized layers' policies by
    path (keras-hub's convention), which `from_config` hands down the layers, each taking its own.
    """
    policy = model.dtype_policy
    if not isinstance(policy, keras.dtype_policies.DTypePolicyMap):
        quantized = {
            layer.path: layer.dtype_policy for layer in _compat.flatten_layers(model) if layer.quantization_mode
        }
        if quantized:
            policy = keras.dtype_policies.DTypePolicyMap(default_policy=policy, policy_map=quantized)
    return keras.dtype_policies.serialize(policy)


def deserialize(config: dict[str, Any]) -> dict[str, Any]:
    """`config` with its `dtype` (from `serialize`) as a policy object, for the constructor."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
    return config
