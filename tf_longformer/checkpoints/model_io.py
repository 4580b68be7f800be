"""Models to and from reference checkpoints: `from_pretrained` / `save_pretrained`'s work.

Weights go through the one weight table (`weight_map.py`): each model names its rows with
`weight_rows()`. A model is built straight from the checkpoint: each loaded variable is
created once, from its checkpoint value, and no initialiser runs for it.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import keras

import tf_longformer._compat as _compat
from tf_longformer.checkpoints import files, hub, transfer, writer
from tf_longformer.config import LongformerConfig


def load_model(
    make_model: Callable[[LongformerConfig], Any],
    path_or_hub_id: str | os.PathLike,
    *,
    config: LongformerConfig | None = None,
    config_overrides: dict[str, Any] | None = None,
    revision: str | None = None,
    cache_dir: str | None = None,
    ignore_mismatched_sizes: bool = False,
) -> tuple[Any, transfer.LoadingInfo]:
    """The model `make_model(config)` builds, with the checkpoint's weights, and what was loaded.

    `config`: instead of the checkpoint's `config.json`; `config_overrides`: fields to change
    in it (a new `num_labels` drops the old label names). See `from_pretrained`.
    """
    config_path, weights_path = hub.resolve_checkpoint(path_or_hub_id, revision=revision, cache_dir=cache_dir)
    if config is None:
        config = LongformerConfig.from_json_file(config_path)
    if config_overrides:
        values = config.to_dict()
        if "num_labels" in config_overrides and "id2label" not in config_overrides:
            values.pop("id2label", None)
            values.pop("label2id", None)
        config = LongformerConfig.from_dict(values, **config_overrides)
    with files.open_weights(weights_path) as source:  # a corrupt file is reported before building
        model = make_model(config)
        info = _build_from_checkpoint(model, source, weights_path, ignore_mismatched_sizes)
    return model, info


def save_model(model: Any, directory: str | os.PathLike) -> None:
    """Writes `config.json` and `model.safetensors` with the reference's names and layouts (see `save_pretrained`)."""
    if not model.built:
        model.build(None)
    config = model.config.to_dict()
    config["architectures"] = [type(model).__name__]
    writer.write_checkpoint(directory, config, transfer.state_from_rows(model.weight_rows()))


def _build_deferred(model: keras.Model) -> list | None:
    """Builds `model` with variables that have a shape, dtype and initialiser but no value.

    Keras creates a variable without running its initialiser inside a `StatelessScope`
    (`initialize_variables=False` keeps it so on exit). Returns those variables, in creation
    order, taken off Keras' pending list (the caller initialises them); or None, with the
    model built the ordinary way, where this Keras does not defer (then nothing was wasted
    but the initialisers' work).
    """
    before = _compat.uninitialized_variables()
    if before is None or keras.backend.backend() != "tensorflow" or _compat.in_stateless_scope():
        if not model.built:
            model.build(None)
        return None
    known = {id(v) for v in before}
    try:
        with keras.StatelessScope(initialize_variables=False):
            model.build(None)
    finally:
        after = _compat.uninitialized_variables() or []
        _compat.set_uninitialized_variables(before)
    created = [v for v in after if id(v) not in known]
    deferred = all(_compat.has_no_value(v) and _compat.defers_initializer(v) for v in created)
    if not deferred or any(_compat.has_no_value(v) and all(v is not c for c in created) for v in model.variables):
        for variable in created:  # not the Keras this was written for: initialise them the ordinary way
            if _compat.has_no_value(variable):
                _compat.deferred_initialize(variable)
        return None
    return created


def _build_from_checkpoint(model, source: files.WeightSource, source_name: str, ignore_mismatched_sizes: bool):
    """Builds a new model with its loaded variables created once, from the checkpoint's values.

    The checkpoint is checked against the weight table from shapes alone first (errors
    before anything is read). Then each variable is created in turn: loaded ones from their
    checkpoint weight, read just then into the buffer the variable keeps (no other copy of
    the state exists at any time), the others (a head missing from a base checkpoint,
    `ignore_mismatched_sizes`) by their own initialiser. No initialiser runs for a weight
    that is then loaded. A failure leaves an unusable model that is never returned.
    """
    created = _build_deferred(model)
    plan = transfer.plan_load(
        model.weight_rows(), source, source=source_name, ignore_mismatched_sizes=ignore_mismatched_sizes
    )
    reader = transfer.make_reader(source)
    if created is None:  # built the ordinary way: assign
        plan.assign(reader)
    else:
        for variable in created:
            if id(variable) in plan.values:
                value = plan.value(reader, id(variable))
                _compat.set_initial_value(variable, value)
                del value
            _compat.deferred_initialize(variable)  # the `tf.Variable` keeps the value's buffer as its own
    plan.warn(stacklevel=4)
    return plan.info
