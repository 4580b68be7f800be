"""convert_roberta_to_longformer on a small random RoBERTa checkpoint made here."""

import json

import keras
import numpy as np
import pytest

import tf_longformer as tfl
from tf_longformer.checkpoints import files
from tf_longformer.checkpoints.lengthen import tile_position_table

ROBERTA_CONFIG = {
    "model_type": "roberta",
    "architectures": ["RobertaForMaskedLM"],
    "vocab_size": 50,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 18,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "type_vocab_size": 1,
    "layer_norm_eps": 1e-5,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
}


@pytest.fixture()
def roberta_dir(tmp_path):
    """A RoBERTa masked-LM checkpoint: the reference's names, `roberta.` prefix, no global projections."""
    keras.utils.set_random_seed(3)
    donor = tfl.LongformerForMaskedLM(tfl.LongformerConfig(**{**ROBERTA_CONFIG, "attention_window": 32}))
    donor._ensure_built()
    state = {}
    for row in donor.weight_rows():
        if "_global." in row.name:
            continue
        value = np.asarray(row.variable.numpy() * 5)  # spread the weights so attention is peaked
        state[row.name.replace("longformer.", "roberta.", 1)] = value.T if row.transpose else value
    state["roberta.embeddings.position_ids"] = np.arange(18)[None]
    directory = tmp_path / "roberta"
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps(ROBERTA_CONFIG))
    files.write_safetensors(str(directory / "model.safetensors"), state)
    return directory, state


def test_position_table_keeps_reserved_rows_and_tiles_the_rest():
    table = np.arange(6 * 2).reshape(6, 2)
    tiled = tile_position_table(table, rows=11, reserved=2)
    assert tiled.shape == (11, 2)
    assert tiled[:2].tolist() == table[:2].tolist()
    assert tiled[2:6].tolist() == table[2:].tolist() and tiled[6:10].tolist() == table[2:].tolist()
    assert tiled[10].tolist() == table[2].tolist()


def test_converted_checkpoint_loads_and_behaves_like_roberta(roberta_dir, tmp_path):
    source, state = roberta_dir
    config = tfl.convert_roberta_to_longformer(
        source, tmp_path / "long", max_position_embeddings=64, attention_window=32
    )
    assert config.max_position_embeddings == 66 and config.attention_windows == [32, 32]
    model = tfl.LongformerForMaskedLM.from_pretrained(tmp_path / "long")
    converted = files.read_safetensors(str(tmp_path / "long" / "model.safetensors"))
    for kind in ("weight", "bias"):
        np.testing.assert_array_equal(
            converted[f"longformer.encoder.layer.1.attention.self.key_global.{kind}"],
            state[f"roberta.encoder.layer.1.attention.self.key.{kind}"],
        )
    # With a window covering the whole input and no global tokens, Longformer attention is
    # RoBERTa's full attention: the converted model reproduces a RoBERTa forward pass, and
    # positions beyond the old table reuse the learned rows.
    ids = np.random.default_rng(0).integers(3, 50, size=(2, 15)).astype(np.int32)
    long_ids = np.concatenate([ids, ids, ids], axis=1)
    logits = model(input_ids=ids).logits.numpy()
    assert np.all(np.isfinite(model(input_ids=long_ids).logits.numpy()))
    roberta_like = tfl.LongformerForMaskedLM(tfl.LongformerConfig(**{**ROBERTA_CONFIG, "attention_window": 32}))
    roberta_like._ensure_built()
    for row in roberta_like.weight_rows():
        name = row.name.replace("longformer.", "roberta.", 1).replace("_global", "")
        if name in state:
            row.variable.assign(state[name].T if row.transpose else state[name])
    np.testing.assert_allclose(logits, roberta_like(input_ids=ids).logits.numpy(), atol=1e-4)


def test_bad_conversion_requests_are_refused(roberta_dir, tmp_path):
    source, _ = roberta_dir
    with pytest.raises(ValueError, match="attention_window"):
        tfl.convert_roberta_to_longformer(source, tmp_path / "a", attention_window=31)
    with pytest.raises(ValueError, match="only lengthens"):
        tfl.convert_roberta_to_longformer(source, tmp_path / "b", max_position_embeddings=8)
    with pytest.raises(FileNotFoundError, match="config.json"):
        tfl.convert_roberta_to_longformer(tmp_path, tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
