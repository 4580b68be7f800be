"""The formats `model.export(filepath, format=...)` writes, registered by their modules.

A format is a name and a function `write(model, filepath, verbose, **kwargs) -> path`. Each
format module registers its own (`saved_model.py`: `"tf_saved_model"`, `tflite.py`:
`"litert"`, `onnx.py`: `"onnx"`), so a new format is one module and its test.
"""

from __future__ import annotations

import os
from typing import Any, Callable, NamedTuple


class ExportFormat(NamedTuple):
    name: str
    write: Callable[..., str]
    description: str


_FORMATS: dict[str, ExportFormat] = {}


def register(name: str, write: Callable[..., str], description: str) -> None:
    """Adds a format (a name is registered once)."""
    if name in _FORMATS:
        raise ValueError(f"Export format {name!r} is already registered.")
    _FORMATS[name] = ExportFormat(name, write, description)


def names() -> tuple[str, ...]:
    """The registered format names."""
    return tuple(_FORMATS)


def export(model: Any, filepath: str | os.PathLike, format: str, verbose: bool | None = None, **kwargs: Any) -> str:
    """Writes `model` to `filepath` in `format` (a registered name); returns the written path."""
    if format not in _FORMATS:
        known = ", ".join(f"{f.name!r} ({f.description})" for f in _FORMATS.values())
        raise ValueError(f"Unknown export format {format!r}; the formats are: {known}.")
    return _FORMATS[format].write(model, filepath, verbose=verbose, **kwargs)


def register_file_format(name: str, write_file: Callable[..., str], description: str) -> None:
    """Registers a format written as one file by `write_file(model, path, overwrite=..., **kwargs)`.

    `model.export` follows Keras: an existing file is replaced (unless `overwrite=False` is
    passed) and a line names the written file unless `verbose=False`.
    """

    def write(model: Any, filepath: str | os.PathLike, verbose: bool | None = None, **kwargs: Any) -> str:
        kwargs.setdefault("overwrite", True)
        path = write_file(model, filepath, **kwargs)
        if verbose is None or verbose:
            print(f"Saved artifact at '{path}'.")
        return path

    register(name, write, description)
