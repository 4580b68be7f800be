"""Reading and writing reference checkpoint files as `{reference name: NumPy array}`.

Every reader returns the reference's PyTorch names and layouts (linear weights (out, in)),
whatever the file format, so the weight table is the only place that knows our layout.

`open_weights(path)` gives a `WeightSource`: the names and shapes up front (read from the
file's header; a corrupt or truncated file is reported here, before any model is built),
the values one tensor at a time on demand, so a loader never holds the whole state in
NumPy next to the model's variables. `read_weights(path)` reads everything into a dict.

- `model.safetensors` (and sharded `model.safetensors.index.json`): the header is checked
  with `safetensors`, each tensor is then read with a plain positioned file read (no mmap:
  mapped file pages would count in the process's resident memory), no torch.
- `tf_model.h5`: the removed transformers TF classes' Keras-2 HDF5 weights, read with h5py.
- `pytorch_model.bin`: only when torch is installed.
"""

from __future__ import annotations

import json
import math
import mmap
import os
import re
import struct
from collections.abc import Iterator

import numpy as np

SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
TF2_WEIGHTS_NAME = "tf_model.h5"
PYTORCH_WEIGHTS_NAME = "pytorch_model.bin"
PYTORCH_WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"

# In the order `find_weights_file` prefers them.
WEIGHTS_NAMES = (
    SAFE_WEIGHTS_NAME,
    SAFE_WEIGHTS_INDEX_NAME,
    TF2_WEIGHTS_NAME,
    PYTORCH_WEIGHTS_NAME,
    PYTORCH_WEIGHTS_INDEX_NAME,
)


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
        f"No weights file in {directory!r}: expected one of {list(WEIGHTS_NAMES)}. The directory holds {present[:20]}."
    )


def read_weights(path: str) -> dict[str, np.ndarray]:
    """Reads any supported weights file into `{reference name: array in the reference layout}`."""
    with open_weights(path) as source:
        return source.read_all()


def open_weights(path: str) -> "WeightSource":
    """A `WeightSource` over any supported weights file (close it, or use it in a `with`)."""
    name = os.path.basename(path)
    if name.endswith(".index.json"):
        return ShardedSource(path)
    if name.endswith(".safetensors"):
        return SafetensorsSource(path)
    if name.endswith(".h5"):
        return TFH5Source(path)
    if name.endswith(".bin"):
        return PytorchBinSource(path)
    raise CheckpointError(f"Unknown weights file type: {path!r}. Supported: {list(WEIGHTS_NAMES)}.")


class WeightSource:
    """A checkpoint's weights by reference name: shapes up front, values one at a time.

    `shapes` maps each name (in file order) to its shape in the reference layout;
    `read(name)` returns that weight as a NumPy array in the reference layout, and
    `read(name, transpose=True)` a 2-D weight transposed. Where `is_fresh(name)`, that array
    is a new C-contiguous, 64-byte aligned buffer that nothing else refers to, which a
    loader may hand to TensorFlow without a copy.
    """

    path: str = "the checkpoint"

    def __init__(self) -> None:
        self.shapes: dict[str, tuple[int, ...]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.shapes

    def __iter__(self) -> Iterator[str]:
        return iter(self.shapes)

    def __len__(self) -> int:
        return len(self.shapes)

    def is_fresh(self, name: str) -> bool:
        """Whether `read(name)` returns a new aligned buffer of its own (see the class)."""
        return False

    def read(self, name: str, transpose: bool = False) -> np.ndarray:
        value = self._read(name)
        if not transpose:
            return value
        if self.is_fresh(name) and value.ndim == 2:
            return _transposed(value)
        return value.T

    def _read(self, name: str) -> np.ndarray:
        raise NotImplementedError

    def read_all(self) -> dict[str, np.ndarray]:
        return {name: self.read(name) for name in self.shapes}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DictSource(WeightSource):
    """A `{name: array}` state already in memory, as a `WeightSource`."""

    def __init__(self, state: dict[str, np.ndarray], path: str = "the checkpoint") -> None:
        super().__init__()
        self.path = path
        self.state = state
        self.shapes = {name: tuple(np.shape(value)) for name, value in state.items()}

    def _read(self, name: str) -> np.ndarray:
        return np.asarray(self.state[name])


# -- safetensors ----------------------------------------------------------------------------


def _safetensors_dtypes() -> dict[str, np.dtype]:
    dtypes = {
        "F64": np.float64,
        "F32": np.float32,
        "F16": np.float16,
        "I64": np.int64,
        "I32": np.int32,
        "I16": np.int16,
        "I8": np.int8,
        "U8": np.uint8,
        "BOOL": np.bool_,
    }
    try:
        import ml_dtypes  # a TensorFlow dependency

        dtypes["BF16"] = ml_dtypes.bfloat16
    except ImportError:  # pragma: no cover
        pass
    return {key: np.dtype(value) for key, value in dtypes.items()}


_MAPPED_MIN_BYTES = 1 << 20
_BLOCK_BYTES = 1 << 20


def _aligned_bytes(size: int, alignment: int = 64) -> np.ndarray:
    """`size` uninitialised bytes starting on an `alignment` boundary (what TensorFlow needs
    to use a host buffer without copying it).

    From 1 MiB on, a private anonymous mapping of its own (page-aligned; unmapped when the
    array goes): NumPy asks the kernel for transparent huge pages from 4 MiB on, and where
    the kernel then compacts memory on the first touch (`defrag` = `madvise`, a common
    setting) filling the buffer takes 2-4x longer than with ordinary pages. The mapping is
    populated up front (`MAP_POPULATE`, Linux): one call instead of a page fault per 4 KiB,
    ~20% off the time to fill it; the caller fills all of it anyway.
    """
    if size >= _MAPPED_MIN_BYTES and hasattr(mmap, "MAP_ANONYMOUS"):
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
        mapping = mmap.mmap(-1, size, flags=flags)
        return np.frombuffer(mapping, np.uint8, size)
    raw = np.empty(size + alignment, np.uint8)
    offset = -raw.ctypes.data % alignment
    return raw[offset : offset + size]


def aligned_empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised C-contiguous array on a 64-byte boundary (see `_aligned_bytes`)."""
    dtype = np.dtype(dtype)
    return _aligned_bytes(math.prod(shape) * dtype.itemsize).view(dtype).reshape(shape)


def _transposed(value: np.ndarray, block: int = 256) -> np.ndarray:
    """`value.T` (2-D) copied into a fresh aligned array a block of rows at a time (about
    twice as fast as one strided copy, which walks the whole source for every output row)."""
    rows, columns = value.shape
    out = aligned_empty((columns, rows), value.dtype)
    for start in range(0, rows, block):
        out[:, start : start + block] = value[start : start + block].T
    return out


def _unreadable_safetensors(path: str, error: object) -> CheckpointError:
    return CheckpointError(
        f"{path} is not a readable safetensors file (corrupt or truncated?): {error}. Download or save it again."
    )


class SafetensorsSource(WeightSource):
    """`model.safetensors`, one tensor per positioned read.

    The header is validated by `safetensors` itself (`safe_open`: offsets, sizes, the file's
    length), then parsed here for the byte ranges; no data is read until `read`.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        from safetensors import SafetensorError, safe_open

        self.path = path
        try:
            with safe_open(path, framework="numpy") as handle:  # validation only: maps the file, reads the header
                validated = set(handle.keys())
            with open(path, "rb") as file:
                (header_size,) = struct.unpack("<Q", file.read(8))
                header = json.loads(file.read(header_size))
        except (SafetensorError, OSError, ValueError, struct.error) as error:
            raise _unreadable_safetensors(path, error) from None
        header.pop("__metadata__", None)
        self._data_start = 8 + header_size
        dtypes = _safetensors_dtypes()
        self._entries: dict[str, tuple[np.dtype, tuple[int, ...], int, int]] = {}
        for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
            if entry["dtype"] not in dtypes:
                raise CheckpointError(
                    f"{path}: weight {name!r} has the dtype {entry['dtype']}, which is not supported."
                )
            dtype, shape = dtypes[entry["dtype"]], tuple(int(d) for d in entry["shape"])
            begin, end = (int(offset) for offset in entry["data_offsets"])
            if end - begin != math.prod(shape) * dtype.itemsize:
                raise _unreadable_safetensors(path, f"the byte range of {name!r} does not fit its shape {shape}")
            self._entries[name] = (dtype, shape, begin, end)
            self.shapes[name] = shape
        if set(self._entries) != validated:
            raise _unreadable_safetensors(path, "the header lists other tensors than safetensors reads")
        self._file = open(path, "rb", buffering=0)
        self._scratch: np.ndarray | None = None

    def is_fresh(self, name: str) -> bool:
        return True

    def _read_into(self, name: str, target: np.ndarray, offset: int) -> None:
        """Fills the uint8 array `target` from byte `offset` of `name`'s data."""
        position = self._data_start + self._entries[name][2] + offset
        view, done = memoryview(target), 0
        try:
            while done < target.nbytes:
                count = os.preadv(self._file.fileno(), [view[done:]], position + done)
                if count <= 0:
                    raise OSError(f"end of file at byte {position + done} while reading {name!r}")
                done += count
        except OSError as error:
            raise _unreadable_safetensors(self.path, error) from None

    def _read(self, name: str) -> np.ndarray:
        dtype, shape, begin, end = self._entries[name]
        target = _aligned_bytes(end - begin)
        self._read_into(name, target, 0)
        return target.view(dtype).reshape(shape)

    def read(self, name: str, transpose: bool = False) -> np.ndarray:
        dtype, shape, _, _ = self._entries[name]
        if not transpose or len(shape) != 2:
            return super().read(name, transpose)
        # Blocks of rows through a small reused buffer into the transposed result: no
        # full-size intermediate copy.
        rows, columns = shape
        out = aligned_empty((columns, rows), dtype)
        row_bytes = columns * dtype.itemsize
        block = max(1, min(rows, _BLOCK_BYTES // max(row_bytes, 1)))
        scratch = self._scratch
        if scratch is None or scratch.nbytes < block * row_bytes:
            scratch = self._scratch = np.empty(max(block * row_bytes, _BLOCK_BYTES), np.uint8)
        for start in range(0, rows, block):
            count = min(block, rows - start)
            chunk = scratch[: count * row_bytes]
            self._read_into(name, chunk, start * row_bytes)
            out[:, start : start + count] = chunk.view(dtype).reshape(count, columns).T
        return out

    def close(self) -> None:
        self._file.close()


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    with SafetensorsSource(path) as source:
        return source.read_all()


def write_safetensors(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Writes with the `{"format": "pt"}` metadata the reference's loader expects."""
    from safetensors.numpy import save_file

    save_file({name: np.ascontiguousarray(value) for name, value in tensors.items()}, path, metadata={"format": "pt"})


class ShardedSource(WeightSource):
    """A sharded checkpoint (`*.index.json`): every shard opened up front, read per tensor."""

    def __init__(self, index_path: str) -> None:
        super().__init__()
        self.path = index_path
        try:
            with open(index_path, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise CheckpointError(f"{index_path} is not a valid checkpoint index ({error!r}).") from None
        directory = os.path.dirname(index_path)
        self._sources: list[WeightSource] = []
        self._owner: dict[str, WeightSource] = {}
        try:
            for shard in shards:
                shard_path = os.path.join(directory, shard)
                if not os.path.isfile(shard_path):
                    raise CheckpointError(
                        f"{index_path} names the shard {shard!r}, which is missing from {directory!r}."
                    )
                source = open_weights(shard_path)
                self._sources.append(source)
                for name, shape in source.shapes.items():
                    self._owner[name] = source
                    self.shapes[name] = shape
        except BaseException:
            self.close()
            raise

    def is_fresh(self, name: str) -> bool:
        return self._owner[name].is_fresh(name)

    def read(self, name: str, transpose: bool = False) -> np.ndarray:
        return self._owner[name].read(name, transpose)

    def close(self) -> None:
        for source in self._sources:
            source.close()


def _read_sharded(index_path: str) -> dict[str, np.ndarray]:
    with ShardedSource(index_path) as source:
        return source.read_all()


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


class TFH5Source(WeightSource):
    """`tf_model.h5` of the removed transformers TF classes; kernels come back transposed."""

    def __init__(self, path: str) -> None:
        super().__init__()
        import h5py

        self.path = path
        try:
            self._file = h5py.File(path, "r")
        except OSError as error:
            raise CheckpointError(f"{path} is not a readable HDF5 file (corrupt or truncated?): {error}.") from None
        self._datasets: dict[str, tuple[object, bool]] = {}
        try:
            layer_names = _h5_attribute(self._file, "layer_names")
            if not layer_names:
                raise CheckpointError(
                    f"{path} has no `layer_names` attribute: not the Keras HDF5 weights that transformers' "
                    "TF `save_pretrained` writes."
                )
            for layer_name in layer_names:
                if layer_name not in self._file:
                    raise CheckpointError(
                        f"{path} lists the layer {layer_name!r} but holds no group for it (truncated?)."
                    )
                group = self._file[layer_name]
                for weight_name in _h5_attribute(group, "weight_names"):
                    try:
                        dataset = group[weight_name]
                        shape = tuple(int(d) for d in dataset.shape)
                    except (KeyError, OSError) as error:
                        raise CheckpointError(f"{path}: cannot read weight {weight_name!r} ({error}).") from None
                    name, transpose = tf_to_reference_name(weight_name)
                    self._datasets[name] = (dataset, transpose)
                    self.shapes[name] = shape[::-1] if transpose else shape
        except BaseException:
            self._file.close()
            raise

    def _read(self, name: str) -> np.ndarray:
        dataset, transpose = self._datasets[name]
        try:
            value = np.asarray(dataset)
        except (KeyError, OSError) as error:
            raise CheckpointError(f"{self.path}: cannot read weight {dataset.name!r} ({error}).") from None
        return value.T if transpose else value

    def close(self) -> None:
        self._file.close()


def read_tf_h5(path: str) -> dict[str, np.ndarray]:
    with TFH5Source(path) as source:
        return source.read_all()


# -- pytorch_model.bin ------------------------------------------------------------------------


class PytorchBinSource(WeightSource):
    """`pytorch_model.bin` (needs torch); memory-mapped where torch can, converted per tensor."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        try:
            import torch
        except ImportError:
            raise CheckpointError(
                f"{path} is a PyTorch pickle, which needs torch to read, and torch is not installed. Convert it to "
                "safetensors where torch is available (e.g. `transformers`' `LongformerModel.from_pretrained(dir)"
                ".save_pretrained(dir, safe_serialization=True)`), or install torch."
            ) from None
        try:
            try:
                state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError:  # an old (non-zip) pickle cannot be mapped
                state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises several types for corrupt pickles
            raise CheckpointError(
                f"{path} is not a readable PyTorch checkpoint (corrupt or truncated?): {error}."
            ) from None
        self._state = state
        self.shapes = {name: tuple(value.shape) for name, value in state.items()}

    def _read(self, name: str) -> np.ndarray:
        return self._state[name].detach().float().numpy()

    def close(self) -> None:
        self._state = {}


def read_pytorch_bin(path: str) -> dict[str, np.ndarray]:
    with PytorchBinSource(path) as source:
        return source.read_all()
