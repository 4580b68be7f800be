"""`from_pretrained` / `save_pretrained` in the reference format, and every clear error."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tf_longformer as tfl
from head_inputs import IDS, inputs_for
from locations import FIXTURES, ROOT
from tf_longformer.checkpoints import files
from tf_longformer.models import pretrained

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
HEADS = [
    tfl.LongformerForMaskedLM,
    tfl.LongformerForSequenceClassification,
    tfl.LongformerForTokenClassification,
    tfl.LongformerForQuestionAnswering,
    tfl.LongformerForMultipleChoice,
]


def _saved(cls, directory, **config):
    model = cls(tfl.LongformerConfig(**{**CONFIG, **config}))
    model.build()
    model.save_pretrained(directory)
    return model


@pytest.mark.parametrize("cls", [tfl.LongformerModel] + HEADS, ids=lambda c: c.__name__)
def test_save_pretrained_round_trip(cls, tmp_path):
    model = _saved(cls, tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]  # no staging directory left behind
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["config.json", "model.safetensors"]
    with open(tmp_path / "ckpt" / "config.json") as f:
        assert json.load(f)["architectures"] == [cls.__name__]
    loaded, info = cls.from_pretrained(tmp_path / "ckpt", output_loading_info=True)
    assert not (info.missing_keys or info.unexpected_keys or info.mismatched_keys)
    for key, want in model(inputs_for(cls)).items():
        np.testing.assert_array_equal(np.asarray(loaded(inputs_for(cls))[key]), np.asarray(want), err_msg=key)


def test_saved_names_are_the_references(tmp_path):
    _saved(tfl.LongformerForMaskedLM, tmp_path / "mlm")
    names = set(files.read_safetensors(str(tmp_path / "mlm" / "model.safetensors")))
    assert "lm_head.bias" in names and "lm_head.decoder.weight" not in names and "lm_head.decoder.bias" not in names
    assert "longformer.encoder.layer.1.attention.self.query_global.weight" in names
    assert not any("pooler" in name for name in names)
    _saved(tfl.LongformerModel, tmp_path / "base")
    names = set(files.read_safetensors(str(tmp_path / "base" / "model.safetensors")))
    assert "embeddings.word_embeddings.weight" in names and "pooler.dense.weight" in names


def test_config_overrides_and_model_arguments(tmp_path):
    _saved(tfl.LongformerForSequenceClassification, tmp_path / "ckpt")
    model = tfl.LongformerForSequenceClassification.from_pretrained(
        tmp_path / "ckpt", problem_type="regression", query_block_size=4
    )
    assert model.config.problem_type == "regression" and model.query_block_size == 4


def test_base_checkpoint_into_a_head_warns_about_the_head(tmp_path):
    _saved(tfl.LongformerModel, tmp_path / "base")
    with pytest.warns(
        tfl.LongformerLoadWarning, match=r"newly initialised: \['qa_outputs.weight', 'qa_outputs.bias'\]"
    ):
        model, info = tfl.LongformerForQuestionAnswering.from_pretrained(tmp_path / "base", output_loading_info=True)
    assert info.missing_keys == ["qa_outputs.weight", "qa_outputs.bias"] and info.unexpected_keys == []
    with pytest.warns(tfl.LongformerLoadWarning, match="classifier.weight"):
        tfl.LongformerForMultipleChoice.from_pretrained(tmp_path / "base")  # its pooler comes from the base


def test_head_checkpoint_into_the_base_model(tmp_path):
    _saved(tfl.LongformerForTokenClassification, tmp_path / "tok")
    with pytest.warns(tfl.LongformerLoadWarning) as records:
        _, info = tfl.LongformerModel.from_pretrained(tmp_path / "tok", output_loading_info=True)
    assert info.missing_keys == ["pooler.dense.weight", "pooler.dense.bias"]
    assert info.unexpected_keys == ["classifier.bias", "classifier.weight"]
    assert any("were not used" in str(r.message) for r in records)


def test_num_labels_mismatch_names_the_weight(tmp_path):
    _saved(tfl.LongformerForSequenceClassification, tmp_path / "ckpt", num_labels=3)
    with pytest.raises(tfl.CheckpointError, match=r"classifier.out_proj.weight: checkpoint \(3, 8\), model \(5, 8\)"):
        tfl.LongformerForSequenceClassification.from_pretrained(tmp_path / "ckpt", num_labels=5)
    with pytest.warns(tfl.LongformerLoadWarning, match="classifier.out_proj.weight"):
        model = tfl.LongformerForSequenceClassification.from_pretrained(
            tmp_path / "ckpt", num_labels=5, ignore_mismatched_sizes=True
        )
    assert model(IDS).logits.shape == (2, 5)


def test_wrong_shape_and_missing_backbone_weights_are_errors(tmp_path):
    _saved(tfl.LongformerModel, tmp_path / "ckpt")
    path = str(tmp_path / "ckpt" / "model.safetensors")
    state = files.read_safetensors(path)
    state["encoder.layer.0.attention.self.key_global.weight"] = np.zeros((8, 4), "float32")
    files.write_safetensors(path, state)
    with pytest.raises(
        tfl.CheckpointError, match=r"encoder.layer.0.attention.self.key_global.weight: checkpoint \(8, 4\)"
    ):
        tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")
    del state["encoder.layer.0.attention.self.key_global.weight"]
    files.write_safetensors(path, state)
    with pytest.raises(tfl.CheckpointError, match="lacks 1 weights of the Longformer backbone.*key_global.weight"):
        tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")


def test_missing_files_and_paths_are_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither a local directory nor a Hugging Face Hub id"):
        tfl.LongformerModel.from_pretrained(str(tmp_path / "a" / "b" / "c"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No config.json"):
        tfl.LongformerModel.from_pretrained(tmp_path / "empty")
    tfl.LongformerConfig(**CONFIG).save_pretrained(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="No weights file .* expected one of"):
        tfl.LongformerModel.from_pretrained(tmp_path / "empty")
    with pytest.raises(NotADirectoryError):
        tfl.LongformerModel.from_pretrained(tmp_path / "empty" / "config.json")


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_safetensors_is_reported(tmp_path, damage):
    _saved(tfl.LongformerModel, tmp_path / "ckpt")
    path = tmp_path / "ckpt" / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00garbage" * 10)
    with pytest.raises(tfl.CheckpointError, match="not a readable safetensors file"):
        tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")


def test_tf_model_h5_of_the_removed_classes_loads():
    """Fixtures written by transformers' TFLongformer* (tools/make_tf_h5_fixtures.py)."""
    for case in ("base", "mlm", "seqcls"):
        directory = os.path.join(FIXTURES, "tf_h5", case)
        data = np.load(os.path.join(directory, "expected.npz"))
        cls = getattr(tfl, str(data["model_class"])[len("TF") :])
        model, info = cls.from_pretrained(directory, output_loading_info=True)
        assert not (info.missing_keys or info.unexpected_keys), (case, info)
        out = model(**{k[len("inputs/") :]: data[k] for k in data.files if k.startswith("inputs/")})
        for key in (k for k in data.files if k.startswith("outputs/")):
            np.testing.assert_allclose(
                np.asarray(out[key[len("outputs/") :]]), data[key], atol=1e-5, err_msg=(case, key)
            )


def test_truncated_h5_is_reported(tmp_path):
    source = os.path.join(FIXTURES, "tf_h5", "base")
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "config.json").write_bytes(open(os.path.join(source, "config.json"), "rb").read())
    data = open(os.path.join(source, "tf_model.h5"), "rb").read()
    (tmp_path / "ckpt" / "tf_model.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(tfl.CheckpointError, match="tf_model.h5"):
        tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed: .bin files load")
def test_pytorch_bin_without_torch_says_to_convert(tmp_path):
    tfl.LongformerConfig(**CONFIG).save_pretrained(tmp_path)
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(tfl.CheckpointError, match="torch is not installed. Convert it to safetensors"):
        tfl.LongformerModel.from_pretrained(tmp_path)


def test_hub_id_while_offline_is_a_clear_error(monkeypatch):
    huggingface_hub = pytest.importorskip("huggingface_hub")
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(*args, **kwargs):
        raise LocalEntryNotFoundError("Connection error, and the file is not in the cache")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(OSError, match="Could not download 'allenai/longformer-base-4096' .* pass its local directory"):
        tfl.LongformerModel.from_pretrained("allenai/longformer-base-4096")


def test_interrupted_save_never_leaves_a_loadable_wrong_directory(tmp_path, monkeypatch):
    config = tfl.LongformerConfig(**CONFIG)
    old, new = tfl.LongformerModel(config), tfl.LongformerModel(config)
    old.build()
    new.build()
    old.save_pretrained(tmp_path / "ckpt")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    # New directory: nothing appears.
    monkeypatch.setattr(files, "write_safetensors", crash)
    with pytest.raises(KeyboardInterrupt):
        new.save_pretrained(tmp_path / "fresh")
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]
    # Existing directory, crash while writing: the old checkpoint is untouched.
    with pytest.raises(KeyboardInterrupt):
        new.save_pretrained(tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["config.json", "model.safetensors"]
    reloaded = tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")
    np.testing.assert_array_equal(np.asarray(reloaded(IDS).last_hidden_state), np.asarray(old(IDS).last_hidden_state))
    monkeypatch.undo()
    # Existing directory, crash between the renames: the directory does not load at all.
    real_replace, calls = os.replace, []

    def replace_then_crash(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(pretrained.os, "replace", replace_then_crash)
    with pytest.raises(KeyboardInterrupt):
        new.save_pretrained(tmp_path / "ckpt")
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match="No config.json"):
        tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")
    new.save_pretrained(tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["config.json", "model.safetensors"]


REFERENCE_AVAILABLE = all(importlib.util.find_spec(name) for name in ("torch", "transformers"))


@pytest.mark.skipif(
    not REFERENCE_AVAILABLE,
    reason="needs torch and transformers (the PyTorch reference); "
    "run tools/check_pytorch_loads_our_save.py with an environment that has them",
)
def test_pytorch_reference_loads_our_save(tmp_path):
    tool = os.path.join(ROOT, "tools", "check_pytorch_loads_our_save.py")
    subprocess.run([sys.executable, tool, "save", str(tmp_path)], check=True)
    result = subprocess.run([sys.executable, tool, "check", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- loading without wasted work ----------------------------------------------------------------


def _initializer_calls(monkeypatch) -> list:
    """Records (initializer class, shape) of every Keras initializer call from now on."""
    import keras

    calls, seen, todo = [], set(), [keras.initializers.Initializer]
    while todo:
        klass = todo.pop()
        todo.extend(klass.__subclasses__())
        if "__call__" in vars(klass) and klass not in seen:
            seen.add(klass)

            def recording(self, shape, *args, _original=vars(klass)["__call__"], **kwargs):  # noqa: B008 (bound now)
                calls.append((type(self).__name__, tuple(shape)))
                return _original(self, shape, *args, **kwargs)

            monkeypatch.setattr(klass, "__call__", recording)
    return calls


def _assert_same_weights(got, want, dtype="float32"):
    import tensorflow as tf

    for row, source in zip(got.weight_rows(), want.weight_rows()):
        assert row.name == source.name
        assert row.variable.dtype == dtype, row.name
        expected = tf.cast(tf.cast(source.variable.value, dtype), "float32")
        np.testing.assert_array_equal(np.asarray(tf.cast(row.variable.value, "float32")), expected, err_msg=row.name)


@pytest.mark.parametrize(
    "cls",
    [tfl.LongformerModel, tfl.LongformerForMaskedLM, tfl.LongformerForQuestionAnswering],
    ids=lambda c: c.__name__,
)
def test_from_pretrained_runs_no_initializer_of_a_loaded_weight(cls, tmp_path, monkeypatch):
    source = _saved(cls, tmp_path / "ckpt")
    calls = _initializer_calls(monkeypatch)
    probe = cls(tfl.LongformerConfig(**CONFIG))
    probe.build()
    assert len(calls) >= len(probe.weights) - 1  # (the MLM decoder is tied to the word embeddings)
    calls.clear()
    loaded = cls.from_pretrained(tmp_path / "ckpt")
    assert calls == []
    _assert_same_weights(loaded, source)


def test_a_head_missing_from_the_checkpoint_alone_is_initialised(tmp_path, monkeypatch):
    _saved(tfl.LongformerModel, tmp_path / "base")
    calls = _initializer_calls(monkeypatch)
    with pytest.warns(tfl.LongformerLoadWarning, match="newly initialised"):
        model = tfl.LongformerForQuestionAnswering.from_pretrained(tmp_path / "base")
    assert sorted(shape for _, shape in calls) == [(2,), (8, 2)]  # qa_outputs' kernel and bias, nothing else
    kernel = model.qa_outputs.kernel.numpy()
    assert np.all(np.isfinite(kernel)) and 0 < kernel.std() < 0.1  # truncated normal (0.02), not zeros


def test_mismatched_weights_are_initialised_by_their_initializer(tmp_path, monkeypatch):
    _saved(tfl.LongformerForSequenceClassification, tmp_path / "ckpt", num_labels=3)
    calls = _initializer_calls(monkeypatch)
    with pytest.warns(tfl.LongformerLoadWarning, match="classifier.out_proj"):
        model = tfl.LongformerForSequenceClassification.from_pretrained(
            tmp_path / "ckpt", num_labels=5, ignore_mismatched_sizes=True
        )
    assert sorted(shape for _, shape in calls) == [(5,), (8, 5)]
    assert model.classifier.out_proj.kernel.numpy().std() > 0


@pytest.mark.parametrize("dtype", ["mixed_bfloat16", "bfloat16", "float16"])
def test_dtype_policies_load_the_checkpoint_values(tmp_path, dtype):
    source = _saved(tfl.LongformerForMaskedLM, tmp_path / "ckpt")
    loaded = tfl.LongformerForMaskedLM.from_pretrained(tmp_path / "ckpt", dtype=dtype)
    variable_dtype = "float32" if dtype.startswith("mixed") else dtype
    _assert_same_weights(loaded, source, variable_dtype)
    assert loaded.lm_head.dense.kernel.dtype == variable_dtype
    loaded(IDS)  # runs


def test_float16_checkpoint_into_float32_variables(tmp_path):
    source = _saved(tfl.LongformerModel, tmp_path / "ckpt")
    path = str(tmp_path / "ckpt" / "model.safetensors")
    files.write_safetensors(path, {k: v.astype(np.float16) for k, v in files.read_safetensors(path).items()})
    loaded = tfl.LongformerModel.from_pretrained(tmp_path / "ckpt")
    for row, want in zip(loaded.weight_rows(), source.weight_rows()):
        assert row.variable.dtype == "float32"
        np.testing.assert_array_equal(row.variable.numpy(), want.variable.numpy().astype(np.float16).astype(np.float32))


def test_sharded_safetensors_loads(tmp_path):
    source = _saved(tfl.LongformerForTokenClassification, tmp_path / "ckpt")
    state = files.read_safetensors(str(tmp_path / "ckpt" / "model.safetensors"))
    os.remove(tmp_path / "ckpt" / "model.safetensors")
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for shard, shard_names in shards.items():
        files.write_safetensors(str(tmp_path / "ckpt" / shard), {n: state[n] for n in shard_names})
    index = {"metadata": {}, "weight_map": {n: shard for shard, shard_names in shards.items() for n in shard_names}}
    (tmp_path / "ckpt" / "model.safetensors.index.json").write_text(json.dumps(index))
    _assert_same_weights(tfl.LongformerForTokenClassification.from_pretrained(tmp_path / "ckpt"), source)


def test_a_failed_load_leaves_no_pending_variables(tmp_path):
    from keras.src.backend.common import global_state

    _saved(tfl.LongformerForSequenceClassification, tmp_path / "ckpt", num_labels=3)
    pending = list(global_state.get_global_attribute("uninitialized_variables") or [])
    with pytest.raises(tfl.CheckpointError, match="classifier.out_proj.weight"):
        tfl.LongformerForSequenceClassification.from_pretrained(tmp_path / "ckpt", num_labels=5)
    assert list(global_state.get_global_attribute("uninitialized_variables") or []) == pending


def test_safetensors_source_reads_one_tensor_at_a_time(tmp_path):
    _saved(tfl.LongformerModel, tmp_path / "ckpt")
    path = str(tmp_path / "ckpt" / "model.safetensors")
    state = files.read_safetensors(path)
    with files.open_weights(path) as source:
        assert dict(source.shapes) == {name: value.shape for name, value in state.items()}
        name = "encoder.layer.1.intermediate.dense.weight"
        value = source.read(name, transpose=True)
        np.testing.assert_array_equal(value, state[name].T)
        assert value.flags.c_contiguous and value.ctypes.data % 64 == 0


def test_tied_decoder_weight_in_the_checkpoint_is_compared(tmp_path):
    source = _saved(tfl.LongformerForMaskedLM, tmp_path / "ckpt")
    path = str(tmp_path / "ckpt" / "model.safetensors")
    state = files.read_safetensors(path)
    state["lm_head.decoder.weight"] = state["longformer.embeddings.word_embeddings.weight"]
    files.write_safetensors(path, state)
    _assert_same_weights(tfl.LongformerForMaskedLM.from_pretrained(tmp_path / "ckpt"), source)  # equal: no warning
    state["lm_head.decoder.weight"] = state["lm_head.decoder.weight"] + 1.0
    files.write_safetensors(path, state)
    with pytest.warns(tfl.LongformerLoadWarning, match="'lm_head.decoder.weight' differs from"):
        loaded = tfl.LongformerForMaskedLM.from_pretrained(tmp_path / "ckpt")
    _assert_same_weights(loaded, source)  # the word embeddings win
