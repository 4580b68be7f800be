"""`AttentionOptions`: validated once, serialised as a dict, and the softmax dtype it picks."""

import json

import pytest
import tensorflow as tf

import tf_longformer._compat as _compat
from tf_longformer.layers.attention_options import AttentionOptions


def test_options_round_trip_through_their_config():
    options = AttentionOptions(num_attention_heads=4, attention_window=8, max_global_tokens=2, softmax_dtype="float32")
    config = json.loads(json.dumps(options.to_config()))
    assert AttentionOptions.from_value(config) == options
    assert AttentionOptions.from_value(options) is options


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"num_attention_heads": 0}, "num_attention_heads"),
        ({"num_attention_heads": 2, "attention_window": 3}, "positive even integer"),
        ({"num_attention_heads": 2, "attention_window": 0}, "positive even integer"),
        ({"num_attention_heads": 2, "max_global_tokens": 0}, "max_global_tokens"),
        ({"num_attention_heads": 2, "query_block_size": -1}, "query_block_size"),
        ({"num_attention_heads": 2, "attention_dropout": 1.0}, "attention_dropout"),
        ({"num_attention_heads": 2, "softmax_dtype": "float16"}, "softmax_dtype"),
    ],
)
def test_bad_options_are_clear_errors(fields, message):
    with pytest.raises(ValueError, match=message):
        AttentionOptions(**fields)


def test_unknown_config_keys_and_other_types_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown attention options \\['window'\\]"):
        AttentionOptions.from_value({"num_attention_heads": 2, "window": 4})
    with pytest.raises(TypeError, match="AttentionOptions or its config dict"):
        AttentionOptions.from_value(4)


def test_softmax_stays_float32_for_other_dtypes_and_returned_probabilities(monkeypatch):
    monkeypatch.setattr(_compat, "onednn_enabled", lambda: True)
    options = AttentionOptions(num_attention_heads=2)
    assert options.local_softmax_dtype(tf.float32) == tf.float32
    assert options.local_softmax_dtype(tf.float16) == tf.float32
    assert options.local_softmax_dtype(tf.bfloat16, return_probs=True) == tf.float32


def test_default_bfloat16_softmax_only_where_onednn_runs_it(monkeypatch):
    """bfloat16 on a CPU with oneDNN; float32 when XLA compiles the graph (its bfloat16
    softmax is 2.4x the rounding error), when a GPU would run it (not measured), or oneDNN is off."""
    options = AttentionOptions(num_attention_heads=2)

    def traced_dtype(**function_options):
        traced = []
        tf.function(
            lambda: traced.append(options.local_softmax_dtype(tf.bfloat16)) or tf.zeros([]), **function_options
        ).get_concrete_function()
        return traced[0]

    monkeypatch.setattr(_compat, "onednn_enabled", lambda: True)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    assert options.local_softmax_dtype("bfloat16") == tf.bfloat16
    assert traced_dtype() == tf.bfloat16
    assert traced_dtype(jit_compile=True) == tf.float32
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: ["a GPU"] if kind == "GPU" else [])
    assert options.local_softmax_dtype(tf.bfloat16) == tf.float32
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    monkeypatch.setattr(_compat, "onednn_enabled", lambda: False)
    assert options.local_softmax_dtype(tf.bfloat16) == tf.float32


def test_an_explicit_softmax_dtype_is_used_wherever_the_graph_is_traced(monkeypatch):
    monkeypatch.setattr(_compat, "onednn_enabled", lambda: True)
    always_float32 = AttentionOptions(num_attention_heads=2, softmax_dtype="float32")
    assert always_float32.local_softmax_dtype(tf.bfloat16) == tf.float32
    monkeypatch.setattr(_compat, "onednn_enabled", lambda: False)
    asked_bfloat16 = AttentionOptions(num_attention_heads=2, softmax_dtype="bfloat16")
    assert asked_bfloat16.local_softmax_dtype(tf.bfloat16) == tf.bfloat16
    assert asked_bfloat16.local_softmax_dtype(tf.float32) == tf.float32  # only bfloat16 layers
    assert asked_bfloat16.local_softmax_dtype(tf.bfloat16, return_probs=True) == tf.float32
