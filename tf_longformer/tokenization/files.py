"""Finding, reading and writing tokenizer files (local directories or the Hugging Face Hub)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

TOKENIZER_FILE = "tokenizer.json"
VOCAB_FILE = "vocab.json"
MERGES_FILE = "merges.txt"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ALL_FILES = (TOKENIZER_FILE, VOCAB_FILE, MERGES_FILE, TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE)

# The reference writes this "no limit" sentinel (int(1e30)) as model_max_length.
_NO_LIMIT = int(1e29)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


def resolve_directory(path: str | os.PathLike, *, revision: str | None = None, cache_dir: str | None = None) -> str:
    """Returns a local directory holding the tokenizer files of `path`.

    `path` is a local directory, or a Hub id such as `"allenai/longformer-base-4096"`, whose
    tokenizer files are downloaded with `huggingface_hub` (imported only here).

    Raises:
        FileNotFoundError: `path` is neither a directory nor a Hub id, or the directory has no
            vocabulary files.
        ImportError: a Hub id was given and `huggingface_hub` is not installed.
        OSError: the download failed (for example, offline).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        directory = path
    elif os.path.exists(path) or not _HUB_ID.match(path):
        raise FileNotFoundError(
            f"LongformerTokenizer.from_pretrained: {path!r} is not a directory. Pass a directory holding "
            f"{TOKENIZER_FILE} or {VOCAB_FILE} + {MERGES_FILE}, or a Hub id such as 'allenai/longformer-base-4096'."
        )
    else:
        directory = _download(path, revision=revision, cache_dir=cache_dir)
    has_json = os.path.isfile(os.path.join(directory, TOKENIZER_FILE))
    has_bpe = all(os.path.isfile(os.path.join(directory, name)) for name in (VOCAB_FILE, MERGES_FILE))
    if not (has_json or has_bpe):
        present = sorted(os.listdir(directory))
        raise FileNotFoundError(
            f"LongformerTokenizer.from_pretrained: no vocabulary in {directory!r}: it needs {TOKENIZER_FILE}, "
            f"or both {VOCAB_FILE} and {MERGES_FILE} (found: {present or 'nothing'})."
        )
    return directory


def _download(repo_id: str, *, revision: str | None, cache_dir: str | None) -> str:
    try:
        import huggingface_hub
    except ImportError as error:
        raise ImportError(
            f"Loading the tokenizer {repo_id!r} from the Hugging Face Hub needs `huggingface_hub`: "
            "`pip install huggingface_hub` (or pass a local directory with vocab.json + merges.txt)."
        ) from error
    try:
        return huggingface_hub.snapshot_download(
            repo_id, revision=revision, cache_dir=cache_dir, allow_patterns=list(ALL_FILES)
        )
    except Exception as error:  # network, auth, missing repo: all end the same way for the user
        raise OSError(
            f"Could not download the tokenizer files of {repo_id!r} from the Hugging Face Hub "
            f"({type(error).__name__}: {error}). If you are offline, pass a local directory holding "
            f"{TOKENIZER_FILE} or {VOCAB_FILE} + {MERGES_FILE} instead."
        ) from error


def read_json(path: str) -> dict[str, Any]:
    """Reads a JSON file, or returns {} when it does not exist."""
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def token_content(value: Any) -> str | None:
    """A special token as written in tokenizer_config.json: a string or an AddedToken dict."""
    if isinstance(value, dict):
        return value.get("content")
    return value


def model_max_length(value: Any) -> int | None:
    """Maps the reference's 'no limit' sentinel to None."""
    if value is None or int(value) >= _NO_LIMIT:
        return None
    return int(value)


def write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write("\n")
