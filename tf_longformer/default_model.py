"""The embedded default model: a tiny Longformer checkpoint (with its tokenizer) inside the package.

`from_pretrained("default")` (every model class, `LongformerTokenizer`) and the command line's
`tf-longformer info default` load it by that name; `default_model_dir()` gives its directory.
"""

from __future__ import annotations

import os

#: The name that stands for the default model wherever a checkpoint directory or Hub id is taken
#: (a local folder of that name wins).
NAME = "default"
#: Set this environment variable to use another default model directory.
ENVIRONMENT_VARIABLE = "TF_LONGFORMER_DEFAULT_MODEL"
#: `saved_models/default` of the repository, linked into the package (`tf_longformer/default_checkpoint`)
#: so that wheels and sdists include it.
PACKAGED_MODEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_checkpoint")


def default_model_dir() -> str:
    """The embedded default model's checkpoint directory (`$TF_LONGFORMER_DEFAULT_MODEL` if set).

    It is a checkpoint like any other: `tfl.LongformerModel.from_pretrained("default")` (or this
    directory), `LongformerTokenizer.from_pretrained("default")`, `tf-longformer predict/export/info
    default` take it.

    Raises:
        FileNotFoundError: the directory has no `config.json` (a broken install or a wrong
            `$TF_LONGFORMER_DEFAULT_MODEL`).
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


def resolve_name(path: str | os.PathLike) -> str:
    """`path`, or the default model's directory where `path` is `"default"` and no such folder exists."""
    path = os.fspath(path)
    return default_model_dir() if path == NAME and not os.path.exists(path) else path
