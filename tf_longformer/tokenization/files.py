"""Finding, reading and writing tokenizer files (local directories or the Hugging Face Hub)."""

from __future__ import annotations

import json
import os
from typing import Any

from tf_longformer.default_model import resolve_name as resolve_default_model_name
from tf_longformer.tokenization.backend import SPECIAL_TOKEN_ATTRIBUTES, added_token

TOKENIZER_FILE = "tokenizer.json"
VOCAB_FILE = "vocab.json"
MERGES_FILE = "merges.txt"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ALL_FILES = (TOKENIZER_FILE, VOCAB_FILE, MERGES_FILE, TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE)

# The reference writes this "no limit" sentinel (int(1e30)) as model_max_length.
_NO_LIMIT = int(1e29)


def resolve_directory(path: str | os.PathLike, *, revision: str | None = None, cache_dir: str | None = None) -> str:
    """Returns a local directory holding the tokenizer files of `path`.

    `path` is a local directory, `"default"` (the embedded default model), or a Hub id such as
    `"allenai/longformer-base-4096"`, whose tokenizer files are downloaded with
    `huggingface_hub` through `tf_longformer.checkpoints.hub` (which imports it only then), or
    taken from its cache.

    Raises:
        FileNotFoundError: `path` is neither a directory nor a Hub id, no such Hub repository or
            revision, or no vocabulary files.
        ImportError: a Hub id was given and `huggingface_hub` is not installed.
        OSError: the Hub cannot be reached (or offline mode is on) and the files are not in the
            cache, or a download failed part-way.
    """
    path = resolve_default_model_name(path)
    if os.path.isdir(path):
        directory = path
    elif os.path.exists(path) or not _is_hub_id(path):
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


def _is_hub_id(path: str) -> bool:
    from tf_longformer.checkpoints import hub

    return hub.is_hub_id(path)


def _download(repo_id: str, *, revision: str | None, cache_dir: str | None) -> str:
    # The one Hub module (shared with the models' from_pretrained): its cache, errors and settings.
    from tf_longformer.checkpoints import hub

    return hub.download_files(repo_id, ALL_FILES, revision=revision, cache_dir=cache_dir, what="tokenizer files")


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


def _token_dict(content: str, token: Any) -> dict[str, Any]:
    return {
        "content": content,
        "lstrip": token.lstrip,
        "normalized": token.normalized,
        "rstrip": token.rstrip,
        "single_word": token.single_word,
    }


def write_configs(
    directory: str,
    special: dict[str, str],
    added_tokens: dict[int, Any],
    *,
    add_prefix_space: bool,
    trim_offsets: bool,
    model_max_length: int | None,
) -> None:
    """Writes tokenizer_config.json and special_tokens_map.json as the reference does."""
    token_maps = {a: _token_dict(special[a], added_token(a, special[a])) for a in SPECIAL_TOKEN_ATTRIBUTES}
    token_maps["sep_token"], token_maps["cls_token"] = token_maps["eos_token"], token_maps["bos_token"]
    config: dict[str, Any] = {
        "tokenizer_class": "LongformerTokenizer",
        "add_prefix_space": add_prefix_space,
        "trim_offsets": trim_offsets,
        "errors": "replace",
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": {
            str(i): {**_token_dict(t.content, t), "special": t.special} for i, t in sorted(added_tokens.items())
        },
        **{name: value["content"] for name, value in token_maps.items()},
    }
    if model_max_length is not None:
        config["model_max_length"] = model_max_length
    write_json(os.path.join(directory, TOKENIZER_CONFIG_FILE), config)
    write_json(os.path.join(directory, SPECIAL_TOKENS_MAP_FILE), token_maps)
