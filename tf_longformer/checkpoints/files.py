"""Reading and writing reference checkpoint files as `{reference name: NumPy array}`.

Every reader returns the reference's PyTorch names and layouts (linear weights (out, in)),
whatever the file format, so the weight table is the only place that knows our layout.

- `model.safetensors` (and sharded `model.safetensors.index.json`): the `safetensors` NumPy API, no torch.
- `tf_model.h5`: the removed transformers TF classes' Keras-2 HDF5 weights, read with h5py.
- `pytorch_model.bin`: only when torch is installed.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np

SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
TF2_WEIGHTS_NAME = "tf_model.h5"
PYTORCH_WEIGHTS_NAME = "pytorch_model.bin"
PYTORCH_WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"

# In the order `find_weights_file` prefers them.
WEIGHTS_NAMES = (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, TF2_WEIGHTS_NAME, PYTORCH_WEIGHTS_NAME, PYTORCH_WEIGHTS_INDEX_NAME)


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, truncated or does not fit the model."""


def find_weights_file(directory: str) -> str:
    """The weights file of a checkpoint directory, preferring safetensors, then h5, then bin."""
    for name in WEIGHTS_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    present = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
    raise FileNotFoundError(
        f"No weights file in {directory!r}: expected one of {list(WEIGHTS_NAMES)}. "
        f"The directory holds {present[:20]}."
    )


def read_weights(path: str) -> dict[str, np.ndarray]:
    """Reads any supported weights file into `{reference name: array in the reference layout}`."""
    name = os.path.basename(path)
    if name.endswith(".index.json"):
        return _read_sharded(path)
    if name.endswith(".safetensors"):
        return read_safetensors(path)
    if name.endswith(".h5"):
        return read_tf_h5(path)
    if name.endswith(".bin"):
        return read_pytorch_bin(path)
    raise CheckpointError(f"Unknown weights file type: {path!r}. Supported: {list(WEIGHTS_NAMES)}.")


# -- safetensors ----------------------------------------------------------------------------


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (corrupt or truncated?): {error}. "
            "Download or save it again."
        ) from None
    return {name: np.asarray(value) for name, value in tensors.items()}


def write_safetensors(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Writes with the `{"format": "pt"}` metadata the reference's loader expects."""
    from safetensors.numpy import save_file

    save_file({name: np.ascontiguousarray(value) for name, value in tensors.items()}, path, metadata={"format": "pt"})


def _read_sharded(index_path: str) -> dict[str, np.ndarray]:
    try:
        with open(index_path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise CheckpointError(f"{index_path} is not a valid checkpoint index ({error!r}).") from None
    directory = os.path.dirname(index_path)
    state: dict[str, np.ndarray] = {}
    for shard in sorted(set(weight_map.values())):
        shard_path = os.path.join(directory, shard)
        if not os.path.isfile(shard_path):
            raise CheckpointError(f"{index_path} names the shard {shard!r}, which is missing from {directory!r}.")
        state.update(read_weights(shard_path))
    return state


# -- tf_model.h5 (the removed transformers TF classes) -----------------------------------------


def tf_to_reference_name(tf_name: str) -> tuple[str, bool]:
    """(reference name, transpose) of a TF weight name, as transformers converted them.

    `tf_longformer_for_masked_lm/longformer/encoder/layer_._0/attention/self/query/kernel:0`
    becomes `longformer.encoder.layer.0.attention.self.query.weight` (transposed).
    """
    name = tf_name.replace(":0", "")
    name = re.sub(r"/[^/]*___([^/]*)/", r"/\1/", name)
    name = name.replace("_._", "/")
    name = re.sub(r"//+", "/", name)
    parts = name.split("/")
    if len(parts) > 1:
        parts = parts[1:]  # the model's own name
    transpose = parts[-1] == "kernel"
    if parts[-1] in ("kernel", "embeddings", "gamma"):
        parts[-1] = "weight"
    elif parts[-1] == "beta":
        parts[-1] = "bias"
    return ".".join(parts), transpose


def _h5_attribute(group, name: str) -> list[str]:
    """A Keras-2 HDF5 string-list attribute, which may be chunked as name0, name1, ..."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [value.decode("utf8") if hasattr(value, "decode") else str(value) for value in values]


def read_tf_h5(path: str) -> dict[str, np.ndarray]:
    import h5py

    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise CheckpointError(f"{path} is not a readable HDF5 file (corrupt or truncated?): {error}.") from None
    state: dict[str, np.ndarray] = {}
    with file:
        layer_names = _h5_attribute(file, "layer_names")
        if not layer_names:
            raise CheckpointError(
                f"{path} has no `layer_names` attribute: not the Keras HDF5 weights that transformers' "
                "TF `save_pretrained` writes."
            )
        for layer_name in layer_names:
            if layer_name not in file:
                raise CheckpointError(f"{path} lists the layer {layer_name!r} but holds no group for it (truncated?).")
            group = file[layer_name]
            for weight_name in _h5_attribute(group, "weight_names"):
                try:
                    value = np.asarray(group[weight_name])
                except (KeyError, OSError) as error:
                    raise CheckpointError(f"{path}: cannot read weight {weight_name!r} ({error}).") from None
                name, transpose = tf_to_reference_name(weight_name)
                state[name] = value.T if transpose else value
    return state


# -- pytorch_model.bin ------------------------------------------------------------------------


def read_pytorch_bin(path: str) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise CheckpointError(
            f"{path} is a PyTorch pickle, which needs torch to read, and torch is not installed. Convert it to "
            "safetensors where torch is available (e.g. `transformers`' `LongformerModel.from_pretrained(dir)"
            ".save_pretrained(dir, safe_serialization=True)`), or install torch."
        ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for corrupt pickles
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint (corrupt or truncated?): {error}.") from None
    return {name: value.detach().float().numpy() for name, value in state.items()}
