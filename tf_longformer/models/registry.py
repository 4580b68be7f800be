"""The registry of model classes by task, filled by the classes themselves (`TaskSpec`).

A class with its own `spec` registers when it is defined (`LongformerPreTrainedModel.
__init_subclass__`); importing `tf_longformer.models` defines them all. Everything that maps
a task name, a class name or a checkpoint's `architectures` to a class asks here.
"""

from __future__ import annotations

import json
import os
from typing import Iterable

_CLASSES: dict[str, type] = {}


def register(cls: type) -> None:
    """Adds `cls` under `cls.spec.task` (a task is registered once)."""
    task = cls.spec.task
    if task in _CLASSES and _CLASSES[task] is not cls:
        raise ValueError(f"Task {task!r} is already registered by {_CLASSES[task].__name__}.")
    _CLASSES[task] = cls


def tasks() -> tuple[str, ...]:
    """Every registered task name, the base model's (`"base"`) first."""
    return tuple(_CLASSES)


def model_class(name: str) -> type:
    """The class for a task name or a class name (the removed TF classes' `TF...` names too)."""
    if name in _CLASSES:
        return _CLASSES[name]
    by_name = {cls.__name__: cls for cls in _CLASSES.values()}
    cls = by_name.get(name[2:] if name.startswith("TF") else name)
    if cls is None:
        raise ValueError(f"Unknown task or model class {name!r}; the tasks are: {', '.join(_CLASSES)}.")
    return cls


def class_for_architectures(architectures: Iterable[str]) -> type | None:
    """The first of a `config.json`'s `architectures` that names a registered class, else None."""
    for name in architectures:
        try:
            return model_class(name)
        except ValueError:
            continue
    return None


def class_for_checkpoint(directory: str | os.PathLike) -> type:
    """The class a checkpoint directory's `config.json` names in `architectures` (else the base model).

    The removed TF classes' names (`TFLongformerFor...`) are read as ours.
    """
    config_path = os.path.join(os.fspath(directory), "config.json")
    architectures = []
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as stream:
            architectures = json.load(stream).get("architectures") or []
    return class_for_architectures(architectures) or _CLASSES["base"]
