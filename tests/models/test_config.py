"""LongformerConfig: reference defaults, config.json round trips, clear validation errors."""

import json

import pytest

from reference_fixtures import fixture_paths, load_fixture
from tf_longformer import LongformerConfig

REFERENCE_DEFAULTS = {  # transformers 4.57 LongformerConfig()
    "attention_window": 512,
    "sep_token_id": 2,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "onnx_export": False,
}


def test_defaults_are_the_reference_defaults():
    config = LongformerConfig()
    for name, value in REFERENCE_DEFAULTS.items():
        assert getattr(config, name) == value, name
    assert config.num_labels == 2
    assert config.attention_windows == [512] * 12


@pytest.mark.parametrize("path", fixture_paths()[:3], ids=lambda p: p.stem)
def test_reads_reference_config_json_and_writes_it_back(path, tmp_path):
    reference = load_fixture(path).config
    config = LongformerConfig.from_dict(reference)
    written = config.to_dict()
    for key, value in reference.items():
        if key in ("id2label", "label2id"):
            continue
        assert written[key] == value, key
    config.save_pretrained(tmp_path)
    assert LongformerConfig.from_pretrained(tmp_path) == config


def test_unknown_and_legacy_keys_are_kept(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps({"attention_mode": "longformer", "ignore_attention_mask": False, "num_hidden_layers": 2})
    )
    config = LongformerConfig.from_json_file(path)
    assert config.extra["attention_mode"] == "longformer"
    assert config.to_dict()["attention_mode"] == "longformer"


def test_per_layer_windows_and_overrides():
    config = LongformerConfig(attention_window=[4, 8], num_hidden_layers=2)
    assert config.attention_windows == [4, 8]
    assert LongformerConfig.from_dict(config.to_dict(), hidden_size=64, num_attention_heads=4).hidden_size == 64


def test_num_labels_from_id2label_and_string_keys():
    config = LongformerConfig.from_dict({"id2label": {"0": "neg", "1": "neu", "2": "pos"}})
    assert config.num_labels == 3 and config.id2label[2] == "pos" and config.label2id["neu"] == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"attention_window": 3}, "attention_window"),
        ({"attention_window": 0}, "attention_window"),
        ({"attention_window": -2}, "attention_window"),
        ({"attention_window": [4, 4], "num_hidden_layers": 3}, "attention_window"),
        ({"attention_window": [4, 5], "num_hidden_layers": 2}, "attention_window"),
        ({"hidden_size": 10, "num_attention_heads": 3}, "hidden_size"),
        ({"hidden_dropout_prob": -0.1}, "hidden_dropout_prob"),
        ({"attention_probs_dropout_prob": 1.0}, "attention_probs_dropout_prob"),
        ({"num_hidden_layers": 0}, "num_hidden_layers"),
        ({"vocab_size": 2.5}, "vocab_size"),
        ({"layer_norm_eps": 0}, "layer_norm_eps"),
        ({"hidden_act": "mish"}, "hidden_act"),
        ({"pad_token_id": 40000}, "pad_token_id"),
        ({"max_position_embeddings": 2}, "max_position_embeddings"),
        ({"problem_type": "ranking"}, "problem_type"),
        ({"num_labels": 3, "id2label": {0: "a"}}, "num_labels"),
    ],
)
def test_invalid_values_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=f"`{field}`"):
        LongformerConfig(**kwargs)


def test_bad_config_file_is_reported(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        LongformerConfig.from_json_file(path)
    with pytest.raises(FileNotFoundError, match="config.json"):
        LongformerConfig.from_pretrained(tmp_path / "missing")


def test_every_accepted_activation_is_implemented():
    from tf_longformer import config as config_module
    from tf_longformer.layers.feed_forward import ACTIVATIONS

    assert set(config_module._ACTIVATIONS) == set(ACTIVATIONS)
