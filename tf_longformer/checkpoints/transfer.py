"""Moving weights between a model and a `{reference name: array}` state through the weight table."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tf_longformer.checkpoints import files
from tf_longformer.checkpoints.files import CheckpointError
from tf_longformer.checkpoints.weight_map import BACKBONE_PREFIX, WeightRow

# Buffers some reference checkpoints carry; they are not weights.
_IGNORED_SUFFIXES = ("embeddings.position_ids",)


class LongformerLoadWarning(UserWarning):
    """Weights were initialised instead of loaded, or checkpoint weights were not used."""


@dataclass
class LoadingInfo:
    """What `load_state` did: names of the reference state dict."""

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    mismatched_keys: list[tuple[str, tuple, tuple]] = field(default_factory=list)


def state_from_rows(rows: list[WeightRow]) -> dict[str, np.ndarray]:
    """The reference state dict (export): one entry per untied row, in the reference layout."""
    state = {}
    for row in rows:
        if row.tied:
            continue
        value = np.asarray(row.variable.numpy(), dtype=np.float32)
        state[row.name] = np.ascontiguousarray(value.T if row.transpose else value)
    return state


def _is_head(name: str, backbone_prefix: str) -> bool:
    """Weights a fine-tuning user expects to be freshly initialised: task heads and the pooler."""
    return ".pooler." in f".{name}" or (bool(backbone_prefix) and not name.startswith(backbone_prefix))


def _source_names(source_names, expected: set[str]) -> dict[str, str]:
    """{model-side name: checkpoint name}. A base checkpoint has no `longformer.` prefix, a
    head checkpoint has one; the names are fitted to the model's."""
    wants_prefix = any(name.startswith(BACKBONE_PREFIX) for name in expected)
    has_prefix = any(name.startswith(BACKBONE_PREFIX) for name in source_names)
    if wants_prefix and not has_prefix:
        return {(BACKBONE_PREFIX + k if BACKBONE_PREFIX + k in expected else k): k for k in source_names}
    if not wants_prefix and has_prefix:
        return {(k[len(BACKBONE_PREFIX) :] if k.startswith(BACKBONE_PREFIX) else k): k for k in source_names}
    return {k: k for k in source_names}


def _to_dtype(value, dtype: str):
    """A checkpoint array (NumPy, reference layout already undone) as a tensor of a variable's dtype."""
    import tensorflow as tf

    tensor = tf.convert_to_tensor(value)
    return tensor if tensor.dtype == dtype else tf.cast(tensor, dtype)


def _adopt(value: np.ndarray):
    """A fresh NumPy buffer as a tensor without a copy (DLPack): the tensor owns it from now on."""
    import tensorflow as tf

    if value.dtype.name == "bfloat16":  # DLPack knows no ml_dtypes; the bits travel as uint16
        return tf.bitcast(_adopt(value.view(np.uint16)), tf.bfloat16)
    return tf.experimental.dlpack.from_dlpack(value.__dlpack__())


class _Reader:
    """Reads checkpoint weights one at a time as TensorFlow tensors in the model's layout.

    A weight that the source reads into a fresh aligned buffer (safetensors; a transposed
    weight is read a block of rows at a time straight into its transposed layout) becomes
    the tensor's memory as it is (DLPack, no copy), and a `tf.Variable` created from that
    tensor keeps the same buffer: the file's bytes are copied once, from the page cache into
    the variable. Only a weight cast to another dtype takes one more, transient, copy.
    """

    def __init__(self, source: files.WeightSource) -> None:
        self.source = source

    def array(self, name: str, transpose: bool) -> np.ndarray:
        return self.source.read(name, transpose=transpose)

    def tensor(self, name: str, transpose: bool, dtype: str):
        """The weight as a tensor of `dtype` in our layout."""
        import tensorflow as tf

        value = self.source.read(name, transpose=transpose)
        tensor = None
        if self.source.is_fresh(name) and value.flags.c_contiguous and value.flags.writeable:
            try:
                tensor = _adopt(value)
            except (TypeError, ValueError, BufferError, AttributeError, tf.errors.OpError):
                tensor = None  # a dtype or TensorFlow without DLPack support: copy instead
        if tensor is None:
            tensor = tf.convert_to_tensor(value)
        del value
        return tensor if tensor.dtype == dtype else tf.cast(tensor, dtype)


def make_reader(source: files.WeightSource) -> _Reader:
    """A reader of `source`'s weights one at a time, for `LoadPlan.value`."""
    return _Reader(source)


#: the `WeightRow`s of a model (its `weight_rows()`)
Rows = list[WeightRow]
#: a reference state dict, or a `WeightSource` reading a checkpoint's weights one at a time
StateLike = dict[str, np.ndarray] | files.WeightSource


@dataclass
class LoadPlan:
    """What `plan_load` found: the `LoadingInfo` and, per variable to load, where its value is.

    `values` maps `id(variable)` to `(variable, row, other_rows)`: the row whose checkpoint
    weight the variable takes, and the tied rows also present (compared on read). Nothing
    has been read or assigned yet.
    """

    info: LoadingInfo
    values: dict[int, tuple[Any, WeightRow, list[WeightRow]]]
    names: dict[str, str]
    source: files.WeightSource
    source_name: str

    def value(self, reader: _Reader, variable_id: int):
        """The variable's checkpoint value as a tensor of its dtype (tied rows compared first)."""
        variable, row, others = self.values[variable_id]
        if others:
            first = reader.array(self.names[row.name], row.transpose)
            for other in others:
                other_value = reader.array(self.names[other.name], other.transpose)
                if other_value.shape != first.shape or not np.array_equal(other_value, first):
                    warnings.warn(
                        f"{self.source_name}: {other.name!r} differs from {row.name!r}; the model ties them and "
                        f"uses {row.name!r}.",
                        LongformerLoadWarning,
                        stacklevel=4,
                    )
            return _to_dtype(first, variable.dtype)
        return reader.tensor(self.names[row.name], row.transpose, variable.dtype)

    def assign(self, reader: _Reader) -> None:
        """Assigns each planned value to its variable (built the ordinary way)."""
        for variable_id, (variable, _, _) in self.values.items():
            variable.assign(self.value(reader, variable_id))

    def warn(self, stacklevel: int = 3) -> None:
        """The warnings about initialised and unused weights."""
        info = self.info
        initialised = info.missing_keys + [name for name, _, _ in info.mismatched_keys]
        if initialised:
            warnings.warn(
                f"Some weights were not in {self.source_name} and are newly initialised: {initialised}. "
                "Train the model on a downstream task before using it for predictions.",
                LongformerLoadWarning,
                stacklevel=stacklevel + 1,
            )
        if info.unexpected_keys:
            warnings.warn(
                f"Some weights of {self.source_name} were not used: {info.unexpected_keys[:20]}"
                + (f" and {len(info.unexpected_keys) - 20} more" if len(info.unexpected_keys) > 20 else "")
                + ". Expected when loading a checkpoint of another task head.",
                LongformerLoadWarning,
                stacklevel=stacklevel + 1,
            )


def plan_load(
    rows: Rows,
    state: StateLike,
    source: str = "the checkpoint",
    ignore_mismatched_sizes: bool = False,
) -> LoadPlan:
    """Checks `state` (a dict or a `WeightSource`) against the rows from shapes alone.

    Raises `CheckpointError` on a shape mismatch (naming the weight) unless
    `ignore_mismatched_sizes`, and when backbone weights are missing: before any weight is
    read or any variable touched.
    """
    weights = state if isinstance(state, files.WeightSource) else files.DictSource(state, source)
    expected = {row.name for row in rows}
    backbone_prefix = BACKBONE_PREFIX if any(n.startswith(BACKBONE_PREFIX) for n in expected) else ""
    names = _source_names(list(weights.shapes), expected)
    info = LoadingInfo()
    used: set[str] = set()
    groups: dict[int, list[WeightRow]] = {}
    for row in rows:
        groups.setdefault(id(row.variable), []).append(row)

    values: dict[int, tuple[Any, WeightRow, list[WeightRow]]] = {}
    for variable_id, group in groups.items():
        present = [row for row in group if row.name in names]
        used.update(row.name for row in present)
        if not present:
            info.missing_keys.append(group[0].name)
            continue
        row = present[0]
        stored = tuple(weights.shapes[names[row.name]])
        shape = stored[::-1] if row.transpose else stored
        want = tuple(row.variable.shape)
        if shape != want:
            reference_want = want[::-1] if row.transpose else want
            info.mismatched_keys.append((row.name, stored, reference_want))
            continue
        values[variable_id] = (row.variable, row, present[1:])

    if info.mismatched_keys and not ignore_mismatched_sizes:
        lines = "; ".join(f"{name}: checkpoint {got}, model {want}" for name, got, want in info.mismatched_keys[:10])
        raise CheckpointError(
            f"Weights of {source} do not fit the model's shapes: {lines}. If the config differs from the "
            "checkpoint's on purpose (e.g. a new `num_labels` for a classification head), pass "
            "ignore_mismatched_sizes=True to initialise those weights instead."
        )
    missing_backbone = [name for name in info.missing_keys if not _is_head(name, backbone_prefix)]
    if missing_backbone:
        raise CheckpointError(
            f"{source} lacks {len(missing_backbone)} weights of the Longformer backbone, e.g. "
            f"{missing_backbone[:10]}. It is not a Longformer checkpoint of this config (a RoBERTa checkpoint "
            "needs `convert_roberta_to_longformer` first)."
        )
    has_pooler = any(".pooler." in f".{name}" for name in expected)
    info.unexpected_keys = sorted(
        name
        for name in names
        if name not in used
        and not name.endswith(_IGNORED_SUFFIXES)
        and not (not has_pooler and ".pooler." in f".{name}")  # heads without a pooler ignore it, as the reference
    )
    return LoadPlan(info, values, names, weights, source)


def load_state(rows: Rows, state: StateLike, source="the checkpoint", ignore_mismatched_sizes=False) -> LoadingInfo:
    """`plan_load` (with its errors, raised before any variable changes), then assigns the values.

    Missing head weights (and the pooler) are left as they are, with a `LongformerLoadWarning`
    naming them; unused checkpoint weights are named in a warning too.
    """
    plan = plan_load(rows, state, source=source, ignore_mismatched_sizes=ignore_mismatched_sizes)
    plan.assign(_Reader(plan.source))
    plan.warn()
    return plan.info
