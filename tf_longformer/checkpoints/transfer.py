"""Moving weights between a model and a `{reference name: array}` state through the weight table."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

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


def _adapt_prefix(state: dict[str, np.ndarray], expected: set[str]) -> dict[str, np.ndarray]:
    """A base checkpoint has no `longformer.` prefix, a head checkpoint has one; fit the model's names."""
    wants_prefix = any(name.startswith(BACKBONE_PREFIX) for name in expected)
    has_prefix = any(name.startswith(BACKBONE_PREFIX) for name in state)
    if wants_prefix and not has_prefix:
        return {(BACKBONE_PREFIX + k if BACKBONE_PREFIX + k in expected else k): v for k, v in state.items()}
    if not wants_prefix and has_prefix:
        return {(k[len(BACKBONE_PREFIX):] if k.startswith(BACKBONE_PREFIX) else k): v for k, v in state.items()}
    return state


def load_state(
    rows: list[WeightRow],
    state: dict[str, np.ndarray],
    source: str = "the checkpoint",
    ignore_mismatched_sizes: bool = False,
) -> LoadingInfo:
    """Assigns `state` to the model's variables, row by row.

    Raises `CheckpointError` on a shape mismatch (naming the weight) unless
    `ignore_mismatched_sizes`, and when backbone weights are missing. Missing head weights
    (and the pooler) are left initialised, with a `LongformerLoadWarning` naming them;
    unused checkpoint weights are named in a warning too.
    """
    expected = {row.name for row in rows}
    backbone_prefix = BACKBONE_PREFIX if any(n.startswith(BACKBONE_PREFIX) for n in expected) else ""
    state = _adapt_prefix(state, expected)
    info = LoadingInfo()
    used: set[str] = set()
    groups: dict[int, list[WeightRow]] = {}
    for row in rows:
        groups.setdefault(id(row.variable), []).append(row)

    pending: list[tuple[WeightRow, np.ndarray]] = []
    for group in groups.values():
        present = [row for row in group if row.name in state]
        used.update(row.name for row in present)
        if not present:
            info.missing_keys.append(group[0].name)
            continue
        row = present[0]
        value = state[row.name]
        value = value.T if row.transpose else value
        want = tuple(row.variable.shape)
        if tuple(value.shape) != want:
            reference_want = want[::-1] if row.transpose else want
            info.mismatched_keys.append((row.name, tuple(state[row.name].shape), reference_want))
            continue
        for other in present[1:]:
            other_value = state[other.name].T if other.transpose else state[other.name]
            if other_value.shape != value.shape or not np.array_equal(other_value, value):
                warnings.warn(
                    f"{source}: {other.name!r} differs from {row.name!r}; the model ties them and uses {row.name!r}.",
                    LongformerLoadWarning,
                    stacklevel=3,
                )
        pending.append((row, value))

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
    for row, value in pending:
        row.variable.assign(value.astype(row.variable.dtype))

    has_pooler = any(".pooler." in f".{name}" for name in expected)
    info.unexpected_keys = sorted(
        name
        for name in state
        if name not in used
        and not name.endswith(_IGNORED_SUFFIXES)
        and not (not has_pooler and ".pooler." in f".{name}")  # heads without a pooler ignore it, as the reference
    )
    initialised = info.missing_keys + [name for name, _, _ in info.mismatched_keys]
    if initialised:
        warnings.warn(
            f"Some weights were not in {source} and are newly initialised: {initialised}. "
            "Train the model on a downstream task before using it for predictions.",
            LongformerLoadWarning,
            stacklevel=3,
        )
    if info.unexpected_keys:
        warnings.warn(
            f"Some weights of {source} were not used: {info.unexpected_keys[:20]}"
            + (f" and {len(info.unexpected_keys) - 20} more" if len(info.unexpected_keys) > 20 else "")
            + ". Expected when loading a checkpoint of another task head.",
            LongformerLoadWarning,
            stacklevel=3,
        )
    return info
