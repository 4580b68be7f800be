"""Lengthening a Longformer checkpoint: the same model up to its old length, more tokens after."""

import json
import os

import numpy as np
import pytest

import tf_longformer as tfl
import tf_longformer_cli as cli
from tf_longformer.checkpoints import files


@pytest.fixture(scope="module")
def lengthened(tmp_path_factory):
    out = tmp_path_factory.mktemp("lengthened") / "longformer-8k"
    return out, tfl.extend_positions("default", out, 8192)


def test_the_config_and_the_table_grow_by_repeating_the_learned_rows(lengthened):
    out, config = lengthened
    original = tfl.LongformerConfig.from_pretrained("default")
    assert config.max_sequence_length == 8192 and tfl.LongformerConfig.from_pretrained(out) == config
    name = "longformer.embeddings.position_embeddings.weight"
    old = files.read_weights(files.find_weights_file(tfl.default_model_dir()))[name]
    new = files.read_weights(files.find_weights_file(str(out)))[name]
    reserved = original.pad_token_id + 1
    assert new.shape == (8192 + reserved, old.shape[1])
    np.testing.assert_array_equal(new[: len(old)], old)
    np.testing.assert_array_equal(new[len(old) :], old[reserved : reserved + len(new) - len(old)])


def test_the_longer_model_equals_the_original_up_to_its_length_and_reads_past_it(lengthened):
    out, _ = lengthened
    original = tfl.LongformerModel.from_pretrained("default")
    longer = tfl.LongformerModel.from_pretrained(out)
    rng = np.random.default_rng(0)
    for length in (37, 4096):
        ids = rng.integers(3, original.config.vocab_size, (2, length)).astype("int32")
        ids[:, 0] = 0
        mask = np.ones_like(ids)
        mask[1, length // 2 :] = 0
        want = original(input_ids=ids, attention_mask=mask).last_hidden_state
        got = longer(input_ids=ids, attention_mask=mask).last_hidden_state
        np.testing.assert_array_equal(got, want)
    ids = rng.integers(3, original.config.vocab_size, (1, 5000)).astype("int32")
    with pytest.raises(ValueError):
        original(input_ids=ids)
    assert longer(input_ids=ids).last_hidden_state.shape == (1, 5000, original.config.hidden_size)


def test_shortening_is_refused_before_anything_is_written(tmp_path):
    for max_positions in (4096, 1024):
        with pytest.raises(ValueError, match="Extending only lengthens"):
            tfl.extend_positions("default", tmp_path / "out", max_positions)
    assert not os.path.exists(tmp_path / "out")


def test_the_command_line_lengthens_and_carries_the_tokenizer(tmp_path, capsys):
    out = tmp_path / "default-8k"
    assert cli.main(["convert", "default", str(out), "--max-positions", "8192"]) == 0
    assert "now 8192 tokens" in capsys.readouterr().out
    with open(out / "tokenizer_config.json", encoding="utf-8") as f:
        assert json.load(f)["model_max_length"] == 8192
    assert tfl.LongformerTokenizer.from_pretrained(out).model_max_length == 8192
    assert cli.main(["convert", "default", str(tmp_path / "short"), "--max-positions", "100"]) == 1
    assert "only lengthens" in capsys.readouterr().err
