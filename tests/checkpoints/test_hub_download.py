"""Downloading from the Hugging Face Hub, for real: `huggingface_hub` against a fake Hub on 127.0.0.1.

`hub_server.FakeHub` answers `hf_hub_download`'s requests as the Hub does (resolve URLs, commit
and ETag headers, LFS redirects to a "CDN", ranges, error codes) and records them. The tests set
`HF_ENDPOINT` and `HF_HUB_CACHE` as a user would (`tf_longformer.checkpoints.hub` reads them
when a download starts, so they work even though `huggingface_hub` may have been imported, by
another test, before they were set). Nothing else of `huggingface_hub` is patched, except that
its retry loop does not sleep between the connection attempts it makes to a stopped server.
"""

import json
import os
import tempfile

# A test dependency (the `dev` extra), not an optional one: these tests run in CI.
import huggingface_hub  # noqa: E402
import numpy as np
import pytest
from huggingface_hub.utils import _http as hf_http  # noqa: E402
from safetensors.numpy import load_file, save_file  # noqa: E402

import tf_longformer as tfl
from head_inputs import inputs_for
from hub_server import FakeHub
from locations import ROOT

DEFAULT_DIR = os.path.join(ROOT, "saved_models", "default")
CONFIG = dict(
    vocab_size=40,
    hidden_size=8,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=16,
    attention_window=4,
    max_position_embeddings=40,
    num_labels=2,
)
CLS = tfl.LongformerForSequenceClassification
TEXTS = ["what colour does the guard wear ?", "the visitor wears white , and the guard wears red ."]


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A running fake Hub that `HF_ENDPOINT` points at, with an empty cache in `tmp_path`."""
    server = FakeHub().start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("NO_PROXY", "no_proxy"):  # a CI proxy must not see requests to 127.0.0.1
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    # huggingface_hub retries a refused connection 5 times, sleeping 1+2+4+8+8 s: keep the
    # attempts, drop the sleeps.
    monkeypatch.setitem(hf_http.http_backoff.__kwdefaults__, "base_wait_time", 0)
    monkeypatch.setitem(hf_http.http_backoff.__kwdefaults__, "max_wait_time", 0)
    yield server
    if server.running:
        server.stop()


def _model(seed: int):
    model = CLS(tfl.LongformerConfig(**CONFIG))
    model.build()
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.2, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two tiny classifiers with different weights, saved with save_pretrained: (model, directory)."""
    models = {}
    for name, seed in (("a", 0), ("b", 1)):
        model = _model(seed)
        directory = tmp_path_factory.mktemp(f"model_{name}")
        model.save_pretrained(directory)
        models[name] = (model, str(directory))
    return models


def _files(directory) -> dict:
    files = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            files[name] = f.read()
    return files


def _assert_same_model(loaded, model):
    assert len(loaded.weights) == len(model.weights)
    for got, want in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=want.path)
    inputs = inputs_for(CLS)
    np.testing.assert_array_equal(np.asarray(loaded(inputs)["logits"]), np.asarray(model(inputs)["logits"]))


def _cached_files(cache, name):
    """Every path under the cache whose name is `name` or starts with it (blobs are by hash)."""
    return sorted(os.path.join(root, f) for root, _, fs in os.walk(cache) for f in fs if f.startswith(name))


def _incomplete_blobs(cache):
    """The partial downloads huggingface_hub keeps to resume from (`blobs/<hash>.incomplete`)."""
    return [path for path in _cached_files(cache, "") if path.endswith(".incomplete")]


# -- the model and the tokenizer from a Hub id ------------------------------------------------


def test_model_from_the_hub_equals_the_saved_model(hub, saved, tmp_path):
    model, directory = saved["a"]
    commit = hub.add_directory("org/tiny-classifier", directory)
    loaded = CLS.from_pretrained("org/tiny-classifier")
    _assert_same_model(loaded, model)
    # What went over the wire: the config from the Hub, the weights through the LFS redirect.
    assert [(r.method, r.filename, r.status) for r in hub.requested(filename="config.json")] == [
        ("HEAD", "config.json", 200),
        ("GET", "config.json", 200),
    ]
    assert [(r.server, r.method, r.status) for r in hub.requested(filename="model.safetensors")] == [
        ("hub", "HEAD", 302),
        ("cdn", "GET", 200),
    ]
    assert all(r.revision in (None, "main", commit) for r in hub.requests)
    # Into the cache HF_HUB_CACHE names, at the commit the Hub answered.
    snapshot = tmp_path / "hf-cache" / "models--org--tiny-classifier" / "snapshots" / commit
    assert sorted(os.listdir(snapshot)) == ["config.json", "model.safetensors"]


def test_cache_dir_argument(hub, saved, tmp_path):
    model, directory = saved["a"]
    hub.add_directory("org/tiny-classifier", directory)
    loaded = CLS.from_pretrained("org/tiny-classifier", cache_dir=str(tmp_path / "mine"))
    _assert_same_model(loaded, model)
    assert os.listdir(tmp_path / "mine") and not os.path.exists(tmp_path / "hf-cache" / "models--org--tiny-classifier")


def test_tokenizer_from_the_hub_equals_the_local_one(hub):
    names = ("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")
    files = _files(DEFAULT_DIR)
    hub.add_commit("org/tokenizer", {name: files[name] for name in names})
    local = tfl.LongformerTokenizer.from_pretrained(DEFAULT_DIR)
    remote = tfl.LongformerTokenizer.from_pretrained("org/tokenizer")
    assert remote(TEXTS)["input_ids"] == local(TEXTS)["input_ids"]
    assert remote(TEXTS[0], TEXTS[1])["input_ids"] == local(TEXTS[0], TEXTS[1])["input_ids"]
    assert sorted({r.filename for r in hub.body_gets()}) == sorted(names)
    assert not any(r.path.startswith("/api/") for r in hub.requests)  # per-file downloads, no repo listing


def test_tokenizer_repository_with_vocab_and_merges_only(hub):
    files = _files(DEFAULT_DIR)
    hub.add_commit("org/bpe-tokenizer", {name: files[name] for name in ("vocab.json", "merges.txt", "config.json")})
    local = tfl.LongformerTokenizer.from_pretrained(DEFAULT_DIR)
    remote = tfl.LongformerTokenizer.from_pretrained("org/bpe-tokenizer")
    assert remote(TEXTS)["input_ids"] == local(TEXTS)["input_ids"]
    missing = {r.filename for r in hub.requests if r.status == 404}
    assert missing == {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}


# -- a sharded checkpoint ---------------------------------------------------------------------


def _sharded_files(directory) -> dict:
    """config.json + model.safetensors.index.json + two shards, from a single-file checkpoint."""
    state = load_file(os.path.join(directory, "model.safetensors"))
    names = sorted(state)
    halves = {
        "model-00001-of-00002.safetensors": names[: len(names) // 2],
        "model-00002-of-00002.safetensors": names[len(names) // 2 :],
    }
    files, weight_map = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for shard, shard_names in halves.items():
            path = os.path.join(scratch, shard)
            save_file({n: state[n] for n in shard_names}, path, metadata={"format": "pt"})
            with open(path, "rb") as f:
                files[shard] = f.read()
            weight_map.update({n: shard for n in shard_names})
    total = int(sum(v.nbytes for v in state.values()))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    files["model.safetensors.index.json"] = json.dumps(index).encode()
    files["config.json"] = _files(directory)["config.json"]
    return files


def test_sharded_checkpoint_from_the_hub(hub, saved):
    model, directory = saved["a"]
    hub.add_commit("org/sharded", _sharded_files(directory))
    loaded = CLS.from_pretrained("org/sharded")
    _assert_same_model(loaded, model)
    assert sorted(r.filename for r in hub.body_gets() if r.filename.endswith(".safetensors")) == [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]
    assert [r.status for r in hub.requested("HEAD", "model.safetensors")] == [404]  # looked for first, absent

    # Served from the cache with the Hub gone: the cache remembers that model.safetensors is absent.
    hub.stop()
    _assert_same_model(CLS.from_pretrained("org/sharded"), model)


# -- revisions --------------------------------------------------------------------------------


def test_revision_selects_the_weights(hub, saved):
    (model_a, dir_a), (model_b, dir_b) = saved["a"], saved["b"]
    hub.add_directory("org/versions", dir_b, tags=("v1",))
    commit_v1 = hub.add_commit("org/versions", _files(dir_b), branch="v1-branch")
    hub.add_directory("org/versions", dir_a)  # main moves on; the tag v1 stays
    _assert_same_model(CLS.from_pretrained("org/versions"), model_a)
    _assert_same_model(CLS.from_pretrained("org/versions", revision="v1"), model_b)
    _assert_same_model(CLS.from_pretrained("org/versions", revision="v1-branch"), model_b)
    assert {r.revision for r in hub.requested("HEAD", "config.json")} == {"main", "v1", "v1-branch"}
    hub.clear_requests()
    # A commit hash whose files are cached: nothing to ask the Hub.
    _assert_same_model(CLS.from_pretrained("org/versions", revision=commit_v1), model_b)
    assert hub.requests == []
    hub.stop()
    _assert_same_model(CLS.from_pretrained("org/versions", revision="v1"), model_b)
    hub.start()
    # Every file of one call comes from the commit its first file resolved to.
    for request in hub.requested("HEAD", "model.safetensors"):
        assert len(request.revision) == 40
    with pytest.raises(FileNotFoundError, match=r"'org/versions' has no revision 'v9'"):
        CLS.from_pretrained("org/versions", revision="v9")
    with pytest.raises(FileNotFoundError, match=r"'org/versions' has no revision 'v9'"):
        tfl.LongformerTokenizer.from_pretrained("org/versions", revision="v9")


# -- the cache --------------------------------------------------------------------------------


def test_second_call_comes_from_the_cache_and_works_with_the_hub_stopped(hub, saved):
    model, directory = saved["a"]
    hub.add_directory("org/tiny-classifier", directory)
    hub.add_commit("org/tokenizer", {n: _files(DEFAULT_DIR)[n] for n in ("vocab.json", "merges.txt")})
    CLS.from_pretrained("org/tiny-classifier")
    tokenizer = tfl.LongformerTokenizer.from_pretrained("org/tokenizer")
    hub.clear_requests()

    # Hub up: one HEAD (is main still at the same commit?), and no body downloaded again.
    _assert_same_model(CLS.from_pretrained("org/tiny-classifier"), model)
    assert hub.body_gets() == []
    assert [(r.method, r.filename) for r in hub.requests] == [("HEAD", "config.json")]

    # Hub down, HF_HUB_OFFLINE unset: huggingface_hub falls back to the cache.
    hub.stop()
    _assert_same_model(CLS.from_pretrained("org/tiny-classifier"), model)
    again = tfl.LongformerTokenizer.from_pretrained("org/tokenizer")
    assert again(TEXTS)["input_ids"] == tokenizer(TEXTS)["input_ids"]
    # ... but a repository that never was downloaded is a clear error.
    with pytest.raises(OSError, match=r"Could not download 'org/other' .*cannot be reached.* not in the local cache"):
        CLS.from_pretrained("org/other")


def test_offline_mode_set_at_run_time_uses_the_cache_only(hub, saved, monkeypatch):
    model, directory = saved["a"]
    hub.add_directory("org/tiny-classifier", directory)
    CLS.from_pretrained("org/tiny-classifier")
    hub.clear_requests()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _assert_same_model(CLS.from_pretrained("org/tiny-classifier"), model)
    assert hub.requests == []  # not even a HEAD
    with pytest.raises(OSError, match=r"'org/other' .*offline mode is on"):
        CLS.from_pretrained("org/other")


# -- a connection dropped in the middle of the weights ----------------------------------------


def _drop_mid_weights(hub, monkeypatch, directory):
    hub.add_directory("org/flaky", directory)
    size = os.path.getsize(os.path.join(directory, "model.safetensors"))
    # Small read chunks, so the part received before the drop lands on disk (as .incomplete), as
    # the first chunks of a multi-gigabyte file do with the default 10 MB chunks.
    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 512)
    hub.drop_connection("model.safetensors", after_bytes=size * 3 // 5)
    with pytest.raises(OSError) as raised:
        CLS.from_pretrained("org/flaky")
    return str(raised.value), size


def test_dropped_connection_is_a_clear_error_and_the_next_call_resumes(hub, saved, tmp_path, monkeypatch):
    model, directory = saved["a"]
    message, size = _drop_mid_weights(hub, monkeypatch, directory)
    assert "'model.safetensors' of 'org/flaky'" in message and "failed part-way" in message
    assert "Call from_pretrained again" in message
    cache = tmp_path / "hf-cache"
    assert _cached_files(cache, "model.safetensors") == []  # nothing where a later call looks
    (partial,) = _incomplete_blobs(cache)
    assert 0 < os.path.getsize(partial) < size

    hub.clear_requests()
    _assert_same_model(CLS.from_pretrained("org/flaky"), model)
    (resumed,) = hub.body_gets("model.safetensors")
    assert resumed.status == 206 and resumed.range.startswith("bytes=")  # resumed, not restarted
    assert _incomplete_blobs(cache) == []
    (weights,) = _cached_files(cache / "models--org--flaky" / "snapshots", "model.safetensors")
    with open(weights, "rb") as f, open(os.path.join(directory, "model.safetensors"), "rb") as g:
        assert f.read() == g.read()


def test_dropped_connection_then_hub_stopped_never_loads_the_partial_file(hub, saved, tmp_path, monkeypatch):
    _, directory = saved["a"]
    _drop_mid_weights(hub, monkeypatch, directory)
    hub.stop()
    with pytest.raises(OSError, match=r"Could not download 'org/flaky' .*model.safetensors is not in the local cache"):
        CLS.from_pretrained("org/flaky")
    assert _incomplete_blobs(tmp_path / "hf-cache")  # still there, to resume from


def test_dropped_connection_in_a_shard(hub, saved, monkeypatch):
    model, directory = saved["a"]
    files = _sharded_files(directory)
    hub.add_commit("org/sharded", files)
    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 512)
    shard = "model-00002-of-00002.safetensors"
    hub.drop_connection(shard, after_bytes=len(files[shard]) // 2)
    with pytest.raises(OSError, match=f"'{shard}' of 'org/sharded'.*failed part-way"):
        CLS.from_pretrained("org/sharded")
    _assert_same_model(CLS.from_pretrained("org/sharded"), model)


# -- what the Hub says is not there -----------------------------------------------------------


def test_missing_repository_and_files_are_clear_errors(hub, saved):
    _, directory = saved["a"]
    with pytest.raises(FileNotFoundError, match=r"'org/nothing' is neither a local directory nor a repository"):
        CLS.from_pretrained("org/nothing")
    with pytest.raises(FileNotFoundError, match=r"'org/nothing' is neither a local directory nor a repository"):
        tfl.LongformerTokenizer.from_pretrained("org/nothing")
    hub.add_commit("org/config-only", {"config.json": _files(directory)["config.json"]})
    with pytest.raises(FileNotFoundError, match=r"'org/config-only' has no weights file"):
        CLS.from_pretrained("org/config-only")
    with pytest.raises(FileNotFoundError, match=r"'org/config-only' has none of \['tokenizer.json'"):
        tfl.LongformerTokenizer.from_pretrained("org/config-only")
    hub.add_commit("org/weights-only", {"model.safetensors": _files(directory)["model.safetensors"]})
    with pytest.raises(FileNotFoundError, match=r"'org/weights-only' has no config.json"):
        CLS.from_pretrained("org/weights-only")
    files = _sharded_files(directory)
    del files["model-00002-of-00002.safetensors"]
    hub.add_commit("org/half-sharded", files)
    with pytest.raises(FileNotFoundError, match=r"lists the shard 'model-00002-of-00002.safetensors'"):
        CLS.from_pretrained("org/half-sharded")
