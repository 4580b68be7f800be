"""Finding a checkpoint: a local directory, or a Hugging Face Hub id (downloaded with `huggingface_hub`).

Every download from the Hub, the model's and the tokenizer's, goes through `download_files`:

- files come one by one through `huggingface_hub.hf_hub_download` (its cache, its resumable
  `.incomplete` files: a file cut off mid-download is never where a later call looks for it);
- the first file fixes the commit, and the others are fetched at that commit, so a branch that
  moves during the download cannot mix two versions, and once the commit is known, a cached file
  is used without asking the Hub again (a cached checkpoint loads with the Hub unreachable);
- `HF_ENDPOINT`, `HF_HUB_OFFLINE` and `HF_HUB_CACHE` are read when the download starts, not only
  when `huggingface_hub` was imported, so setting them in a running program takes effect;
- every failure ends in one error that names the repository and says what to do.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence

from tf_longformer.checkpoints.files import (
    SAFE_WEIGHTS_INDEX_NAME,
    WEIGHTS_NAMES,
    find_weights_file,
)
from tf_longformer.config import CONFIG_NAME
from tf_longformer.default_model import resolve_name as resolve_default_model_name

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_COMMIT_HASH = re.compile(r"^[0-9a-f]{40}$")
_TRUE = {"1", "on", "yes", "true"}


def is_hub_id(path: str) -> bool:
    """Whether `path` has the shape of a Hub repository id (`name` or `org/name`)."""
    return bool(_REPO_ID.match(path)) and not path.startswith((".", "~"))


def resolve_checkpoint(
    path_or_hub_id: str | os.PathLike, revision: str | None = None, cache_dir: str | None = None
) -> tuple[str, str]:
    """(config.json path, weights file path) of a local directory or a Hub repository
    (`"default"`: the embedded default model, unless a folder of that name exists).

    For a Hub id, `config.json` and the first weights file of `WEIGHTS_NAMES` the repository has
    are downloaded (with every shard a `*.index.json` names), or taken from the cache.

    Raises:
        FileNotFoundError: no such directory, repository or revision, or no config / weights file.
        NotADirectoryError: `path_or_hub_id` is a file.
        ImportError: a Hub id, and `huggingface_hub` is not installed.
        OSError: the Hub cannot be reached and the files are not in the cache, or a download
            failed part-way.
    """
    path = resolve_default_model_name(path_or_hub_id)
    if os.path.isdir(path):
        config_path = os.path.join(path, CONFIG_NAME)
        if not os.path.isfile(config_path):
            raise FileNotFoundError(
                f"No {CONFIG_NAME} in {path!r}: a checkpoint directory needs one next to the weights."
            )
        return config_path, find_weights_file(path)
    if os.path.exists(path):
        raise NotADirectoryError(f"{path!r} is a file; from_pretrained takes a checkpoint directory or a Hub id.")
    if not is_hub_id(path):
        raise FileNotFoundError(f"{path!r} is neither a local directory nor a Hugging Face Hub id (`org/name`).")
    repo = _HubRepository(path, revision, cache_dir, what="checkpoint")
    config_path = repo.get(CONFIG_NAME)
    if config_path is None:
        raise FileNotFoundError(
            f"The Hub repository {path!r}{repo.at_revision} has no {CONFIG_NAME}: it is not a transformers checkpoint."
        )
    for name in WEIGHTS_NAMES:
        weights_path = repo.get(name)
        if weights_path is None:
            continue
        if name == SAFE_WEIGHTS_INDEX_NAME or name.endswith(".index.json"):
            for shard in _shards(weights_path):
                if repo.get(shard) is None:
                    raise FileNotFoundError(
                        f"The Hub repository {path!r}{repo.at_revision} lists the shard {shard!r} in {name}, "
                        "but has no such file: the checkpoint is incomplete there."
                    )
        return config_path, weights_path
    raise FileNotFoundError(
        f"The Hub repository {path!r}{repo.at_revision} has no weights file; expected one of {list(WEIGHTS_NAMES)}."
    )


def download_files(
    repo_id: str,
    filenames: Sequence[str],
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    what: str = "files",
) -> str:
    """Downloads those of `filenames` that the Hub repository has; returns their local directory.

    The files that the repository lacks are skipped (the directory does not hold them); the
    directory is a snapshot in the `huggingface_hub` cache, at one commit.

    Args:
        repo_id: the repository, `org/name`.
        filenames: files at the top of the repository.
        revision: a branch, tag or commit hash (default: the main branch).
        cache_dir: the `huggingface_hub` cache (default: `HF_HUB_CACHE`, else its default).
        what: what the files are, for error messages ("tokenizer files").

    Raises:
        FileNotFoundError: no such repository or revision, or it has none of `filenames`.
        ImportError: `huggingface_hub` is not installed.
        OSError: the Hub cannot be reached and the files are not in the cache, or a download
            failed part-way.
    """
    repo = _HubRepository(repo_id, revision, cache_dir, what=what)
    found = [path for path in (repo.get(name, missing_ok_offline=True) for name in filenames) if path is not None]
    if not found:
        if repo.unreachable is not None:
            raise repo.unreachable
        raise FileNotFoundError(f"The Hub repository {repo_id!r}{repo.at_revision} has none of {list(filenames)}.")
    return os.path.dirname(found[0])


def _shards(index_path: str) -> list[str]:
    try:
        with open(index_path, encoding="utf-8") as f:
            return sorted(set(json.load(f)["weight_map"].values()))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return []  # the loader reads the index again and says what is wrong with it


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


class _HubRepository:
    """One download session of one repository at one revision (see the module docstring)."""

    def __init__(self, repo_id: str, revision: str | None, cache_dir: str | None, *, what: str) -> None:
        try:
            import huggingface_hub
            import huggingface_hub.utils  # noqa: F401  (the error classes; not loaded by the package's lazy import)
        except ImportError:
            raise ImportError(
                f"{repo_id!r} is not a local directory, and downloading it from the Hugging Face Hub needs "
                "`huggingface_hub` (pip install huggingface_hub); or pass a local directory holding the "
                f"{what}."
            ) from None
        self._hub = huggingface_hub
        self.repo_id = repo_id
        self.what = what
        self.revision = revision
        self.commit: str | None = revision if revision and _COMMIT_HASH.match(revision) else None
        self.cache_dir = cache_dir or os.environ.get("HF_HUB_CACHE") or None
        self.endpoint = os.environ.get("HF_ENDPOINT", "").rstrip("/") or None
        self.offline = (
            _env_true("HF_HUB_OFFLINE")
            or _env_true("TRANSFORMERS_OFFLINE")
            or bool(getattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False))  # as set at its import
        )
        self.unreachable: OSError | None = None  # set once the Hub could not be reached

    @property
    def at_revision(self) -> str:
        return f" (revision {self.revision!r})" if self.revision else ""

    def get(self, filename: str, *, missing_ok_offline: bool = False) -> str | None:
        """The local path of `filename`, downloaded or cached; None when the repository lacks it.

        With `missing_ok_offline`, a file that is not in the cache while the Hub is unreachable
        counts as missing (the error is kept in `self.unreachable`) instead of raising.
        """
        hub = self._hub
        if self.commit is not None or self.unreachable is not None:
            # The commit is known (or the Hub is out of reach): the cache answers without the network.
            cached = hub.try_to_load_from_cache(
                self.repo_id, filename, cache_dir=self.cache_dir, revision=self.commit or self.revision
            )
            if isinstance(cached, str):
                self.commit = self.commit or _snapshot_commit(cached, filename)
                return cached
            if cached is not None:  # the Hub said, at this commit, that there is no such file
                return None
        if self.unreachable is not None:
            if missing_ok_offline:
                return None
            raise self.unreachable
        utils = hub.utils
        local_not_found = getattr(utils, "LocalEntryNotFoundError", ())
        remote_not_found = getattr(utils, "RemoteEntryNotFoundError", None) or utils.EntryNotFoundError
        try:
            path = hub.hf_hub_download(
                self.repo_id,
                filename,
                revision=self.commit or self.revision,
                cache_dir=self.cache_dir,
                endpoint=self.endpoint,
                local_files_only=self.offline,
            )
        except local_not_found as error:  # a subclass of EntryNotFoundError before 1.0: first
            self.unreachable = self._unreachable_error(filename, error)
            if missing_ok_offline:
                return None
            raise self.unreachable from None
        except remote_not_found:
            return None
        except utils.RevisionNotFoundError:
            raise FileNotFoundError(
                f"The Hub repository {self.repo_id!r} has no revision {self.revision!r} (a branch, tag or commit "
                "hash): check the name on the repository's page."
            ) from None
        except utils.RepositoryNotFoundError as error:  # also GatedRepoError
            gated = isinstance(error, getattr(utils, "GatedRepoError", ()))
            raise FileNotFoundError(
                f"{self.repo_id!r} is neither a local directory nor a repository on the Hugging Face Hub "
                + (
                    "(it is gated: accept its terms on its page and log in with `hf auth login`)."
                    if gated
                    else "(or it is private: log in with `hf auth login`)."
                )
            ) from None
        except utils.HFValidationError as error:
            raise FileNotFoundError(
                f"{self.repo_id!r} is neither a local directory nor a valid Hugging Face Hub id ({error})."
            ) from None
        except getattr(utils, "OfflineModeIsEnabled", ()) as error:
            self.unreachable = self._unreachable_error(filename, error)
            raise self.unreachable from None
        except Exception as error:  # a download cut off, a failed consistency check, an HTTP error status
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status is not None:
                raise OSError(
                    f"The Hugging Face Hub answered HTTP {status} for {filename!r} of {self.repo_id!r}"
                    f"{self.at_revision} ({type(error).__name__}: {error}). If the repository is private or gated, "
                    "log in with `hf auth login`; otherwise try again later."
                ) from error
            raise OSError(
                f"Downloading {filename!r} of {self.repo_id!r}{self.at_revision} from the Hugging Face Hub failed "
                f"part-way ({type(error).__name__}: {error}). Nothing of it is loaded: huggingface_hub keeps the part "
                "received only to resume the download. Call from_pretrained again when the connection is back."
            ) from error
        if self.commit is None:
            self.commit = _snapshot_commit(path, filename)
        return path

    def _unreachable_error(self, filename: str, error: Exception) -> OSError:
        where = self.endpoint or getattr(self._hub.constants, "ENDPOINT", "the Hub")
        mode = "offline mode is on (HF_HUB_OFFLINE)" if self.offline else f"the Hub ({where}) cannot be reached"
        return OSError(
            f"Could not download {self.repo_id!r}{self.at_revision} from the Hugging Face Hub: {mode}, "
            f"and its {filename} is not in the local cache ({type(error).__name__}). Connect to the network, or "
            f"unset HF_HUB_OFFLINE, and try again; or download the {self.what} where the network is available "
            "and pass its local directory to from_pretrained. (An offline run loads a checkpoint only once all "
            "its files are in the cache.)"
        )


def _snapshot_commit(path: str, filename: str) -> str | None:
    """The commit of a file `hf_hub_download` returned: the cache keeps it in `snapshots/<commit>/`."""
    snapshot = os.path.abspath(path)
    for _ in filename.split("/"):
        snapshot = os.path.dirname(snapshot)
    commit = os.path.basename(snapshot)
    if os.path.basename(os.path.dirname(snapshot)) == "snapshots" and _COMMIT_HASH.match(commit):
        return commit
    return None
