"""Where the embedded default model and the demo's output live."""

from __future__ import annotations

import os

#: Set this environment variable to use another default model directory.
ENVIRONMENT_VARIABLE = "TF_LONGFORMER_DEFAULT_MODEL"
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(PACKAGE_DIR)
#: The default model the package carries: `saved_models/default` of the repository, linked into
#: the package (`tf_longformer/default_checkpoint`) so that wheels and sdists include it.
PACKAGED_MODEL_DIR = os.path.join(PACKAGE_DIR, "default_checkpoint")


def default_model_dir() -> str:
    """The embedded default model's checkpoint directory (`$TF_LONGFORMER_DEFAULT_MODEL` if set).

    It is a checkpoint like any other: `tfl.LongformerModel.from_pretrained(tfl.default_model_dir())`,
    `LongformerTokenizer.from_pretrained(...)`, `tf-longformer predict/export/info` take it.
    """
    path = os.environ.get(ENVIRONMENT_VARIABLE) or PACKAGED_MODEL_DIR
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileNotFoundError(
            f"The default model is not at {path!r}. The package carries it (saved_models/default of the source "
            f"repository, linked in as tf_longformer/default_checkpoint); reinstall the package, rebuild it with "
            f"`python tools/make_default_model.py` in a clone, or point {ENVIRONMENT_VARIABLE} at a checkpoint "
            "directory."
        )
    return path


def default_output_dir() -> str:
    """Where the demo writes: `saved_models/demo` of the source checkout, or of the current folder
    when the package is installed (no checkout around it)."""
    if os.path.isdir(os.path.join(REPO_ROOT, "saved_models")):
        return os.path.join(REPO_ROOT, "saved_models", "demo")
    return os.path.join(os.getcwd(), "saved_models", "demo")
