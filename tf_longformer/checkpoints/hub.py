"""Finding a checkpoint: a local directory, or a Hugging Face Hub id (downloaded with `huggingface_hub`)."""

from __future__ import annotations

import os
import re

from tf_longformer.checkpoints.files import (
    SAFE_WEIGHTS_INDEX_NAME,
    WEIGHTS_NAMES,
    find_weights_file,
)
from tf_longformer.config import CONFIG_NAME

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def resolve_checkpoint(path_or_hub_id, revision: str | None = None, cache_dir: str | None = None) -> tuple[str, str]:
    """(config.json path, weights file path) of a local directory or a Hub repository."""
    path = os.fspath(path_or_hub_id)
    if os.path.isdir(path):
        config_path = os.path.join(path, CONFIG_NAME)
        if not os.path.isfile(config_path):
            raise FileNotFoundError(f"No {CONFIG_NAME} in {path!r}: a checkpoint directory needs one next to the weights.")
        return config_path, find_weights_file(path)
    if os.path.exists(path):
        raise NotADirectoryError(f"{path!r} is a file; from_pretrained takes a checkpoint directory or a Hub id.")
    if not _REPO_ID.match(path) or path.startswith((".", "~")):
        raise FileNotFoundError(f"{path!r} is neither a local directory nor a Hugging Face Hub id (`org/name`).")
    return _download(path, revision, cache_dir)


def _download(repo_id: str, revision, cache_dir) -> tuple[str, str]:
    try:
        import huggingface_hub
        from huggingface_hub import errors as hub_errors
    except ImportError:
        raise ImportError(
            f"{repo_id!r} is not a local directory, and downloading it from the Hugging Face Hub needs "
            "`huggingface_hub` (pip install huggingface_hub)."
        ) from None
    not_found = tuple(
        getattr(hub_errors, name) for name in ("EntryNotFoundError", "RemoteEntryNotFoundError") if hasattr(hub_errors, name)
    )

    def fetch(filename: str) -> str:
        return huggingface_hub.hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache_dir)

    try:
        config_path = fetch(CONFIG_NAME)
        for name in WEIGHTS_NAMES:
            try:
                weights_path = fetch(name)
            except not_found:
                continue
            if name == SAFE_WEIGHTS_INDEX_NAME or name.endswith(".index.json"):
                import json

                with open(weights_path, encoding="utf-8") as f:
                    for shard in sorted(set(json.load(f)["weight_map"].values())):
                        fetch(shard)
            return config_path, weights_path
    except hub_errors.RepositoryNotFoundError:
        raise FileNotFoundError(
            f"{repo_id!r} is neither a local directory nor a repository on the Hugging Face Hub "
            "(or it is private: log in with `hf auth login`)."
        ) from None
    except (hub_errors.LocalEntryNotFoundError, hub_errors.OfflineModeIsEnabled, hub_errors.HfHubHTTPError, OSError) as error:
        raise OSError(
            f"Could not download {repo_id!r} from the Hugging Face Hub and it is not in the local cache: "
            f"the network is unreachable or offline mode is on ({type(error).__name__}: {error}). Download the "
            "checkpoint where the network is available and pass its local directory to from_pretrained."
        ) from None
    raise FileNotFoundError(f"The Hub repository {repo_id!r} has no weights file; expected one of {list(WEIGHTS_NAMES)}.")
