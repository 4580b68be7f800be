"""Writes a checkpoint directory (`config.json` + `model.safetensors`) atomically.

A new directory is staged beside the target and renamed into place, so it appears complete
or not at all. In an existing directory (other files there are kept) `config.json` is
removed first and written last, so an interrupted write leaves a directory that does not
load rather than one that loads as a wrong model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid

import numpy as np

from tf_longformer.checkpoints import files
from tf_longformer.config import CONFIG_NAME


def _fsync(path: str) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories cannot be opened on some platforms
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(descriptor)


def write_checkpoint(directory: str | os.PathLike, config: dict, state: dict[str, np.ndarray]) -> None:
    """Writes `config` as `config.json` and `state` as `model.safetensors` into `directory`."""
    directory = os.path.abspath(os.fspath(directory))
    config_text = json.dumps(config, indent=2, sort_keys=True) + "\n"

    def write(config_path: str, weights_path: str) -> None:
        files.write_safetensors(weights_path, state)
        _fsync(weights_path)
        with open(config_path, "w", encoding="utf-8") as f:
            f.write(config_text)
            f.flush()
            os.fsync(f.fileno())

    parent, base = os.path.split(directory)
    os.makedirs(parent, exist_ok=True)
    if not os.path.exists(directory):
        staging = tempfile.mkdtemp(prefix=f".{base}.saving-", dir=parent)
        try:
            write(os.path.join(staging, CONFIG_NAME), os.path.join(staging, files.SAFE_WEIGHTS_NAME))
            os.rename(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync(parent)
        return
    if not os.path.isdir(directory):
        raise NotADirectoryError(f"A checkpoint needs a directory; {directory!r} is a file.")
    suffix = uuid.uuid4().hex[:12]
    config_tmp = os.path.join(directory, f".{CONFIG_NAME}.{suffix}.tmp")
    weights_tmp = os.path.join(directory, f".{files.SAFE_WEIGHTS_NAME}.{suffix}.tmp")
    config_path = os.path.join(directory, CONFIG_NAME)
    try:
        write(config_tmp, weights_tmp)
        if os.path.exists(config_path):
            os.remove(config_path)  # from here until the last replace, the directory does not load
        os.replace(weights_tmp, os.path.join(directory, files.SAFE_WEIGHTS_NAME))
        os.replace(config_tmp, config_path)
    finally:
        for path in (config_tmp, weights_tmp):
            if os.path.exists(path):
                os.remove(path)
    _fsync(directory)
