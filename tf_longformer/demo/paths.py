"""Where the embedded default model lives (`saved_models/default` in the source tree)."""

from __future__ import annotations

import os

#: Set this environment variable to use another default model directory.
ENVIRONMENT_VARIABLE = "TF_LONGFORMER_DEFAULT_MODEL"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_model_dir() -> str:
    """`$TF_LONGFORMER_DEFAULT_MODEL`, else `saved_models/default` of the source tree."""
    path = os.environ.get(ENVIRONMENT_VARIABLE) or os.path.join(REPO_ROOT, "saved_models", "default")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise FileNotFoundError(
            f"The default model is not at {path!r}. It ships in the source repository (saved_models/default; "
            f"install with `pip install -e .` from a clone), or rebuild it with `python tools/make_default_model.py`, "
            f"or point {ENVIRONMENT_VARIABLE} at a checkpoint directory."
        )
    return path
