"""Every layer meets the shared contract (tests/harness.py) with a tiny config."""

import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from harness import check_layer
from tf_longformer.layers.attention_options import AttentionOptions
from tf_longformer.layers.encoder import TraceOptions, traced_with

HIDDEN, HEADS, WINDOW = 8, 2, 4


def _hidden_and_mask(seed=0, batch=2, length=7):
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(batch, length, HIDDEN)).astype("float32")
    mask = np.ones((batch, length), "int32")
    mask[0, 2] = 2  # one global token
    mask[1, -2:] = 0  # padding
    return hidden, mask


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda **kw: tfl.LongformerSelfAttention(HIDDEN, HEADS, WINDOW, **kw),
        lambda **kw: tfl.LongformerAttention(HIDDEN, HEADS, WINDOW, **kw),
        lambda **kw: tfl.LongformerLayer(HIDDEN, HEADS, 16, WINDOW, **kw),
        lambda **kw: tfl.LongformerEncoder([WINDOW, 2 * WINDOW], HIDDEN, HEADS, 16, **kw),
    ],
    ids=["self_attention", "attention_block", "layer", "encoder"],
)
def test_sequence_layers_meet_the_contract(make_layer, tmp_path):
    hidden, mask = _hidden_and_mask()
    check_layer(make_layer, [hidden, mask], tmp_path)


def test_feed_forward_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    check_layer(lambda **kw: tfl.LongformerFeedForward(HIDDEN, 16, **kw), [hidden], tmp_path)


def test_pooler_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    check_layer(lambda **kw: tfl.LongformerPooler(HIDDEN, **kw), [hidden], tmp_path)


def test_embeddings_meet_the_contract(tmp_path):
    ids = np.random.default_rng(0).integers(3, 30, size=(2, 7)).astype("int32")
    check_layer(
        lambda **kw: tfl.LongformerEmbeddings(vocab_size=30, hidden_size=HIDDEN, max_position_embeddings=16, **kw),
        [ids],
        tmp_path,
    )


def test_self_attention_rejects_bad_arguments():
    with pytest.raises(ValueError, match="multiple of `num_attention_heads`"):
        tfl.LongformerSelfAttention(10, 3, 4)
    with pytest.raises(ValueError, match="attention_window"):
        tfl.LongformerSelfAttention(8, 2, 3)
    with pytest.raises(ValueError, match="max_global_tokens"):
        tfl.LongformerSelfAttention(8, 2, 4, max_global_tokens=0)


def test_layers_take_attention_options_as_one_value_and_serialise_them_loose():
    options = AttentionOptions(
        num_attention_heads=HEADS, attention_window=WINDOW, max_global_tokens=3, query_block_size=4
    )
    hidden, mask = _hidden_and_mask()
    from_value = tfl.LongformerLayer(intermediate_size=16, attention_options=options)
    loose = tfl.LongformerLayer(HIDDEN, HEADS, 16, WINDOW, max_global_tokens=3, query_block_size=4)
    from_value(hidden, mask)  # hidden_size comes from the build shape
    loose(hidden, mask)
    assert from_value.get_config() == {**loose.get_config(), "name": from_value.name}
    assert "attention_options" not in loose.get_config()  # the saved format keeps the loose arguments
    assert from_value.attention.self_attention.attention_options is options
    encoder = tfl.LongformerEncoder([WINDOW, 2 * WINDOW], intermediate_size=16, attention_options=options)
    encoder(hidden, mask)
    assert [layer.attention_options.attention_window for layer in encoder.layers] == [WINDOW, 2 * WINDOW]
    assert encoder.get_config()["hidden_size"] == HIDDEN and "attention_window" not in encoder.get_config()
    with pytest.raises(ValueError, match="not both"):
        tfl.LongformerAttention(num_attention_heads=HEADS, attention_options=options)


@pytest.mark.parametrize("training", [False, True])
def test_residual_projection_with_kernel_applied_matches_its_plain_call(training):
    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(2, 5, 16)).astype("float32")
    residual = rng.normal(size=(2, 5, HIDDEN)).astype("float32")
    layer = tfl.layers.ResidualProjection(HIDDEN)  # dropout 0: training only switches to the lean forms
    plain = layer(inputs, residual, training=training)
    projected = np.asarray(inputs @ layer.fused_kernel())
    np.testing.assert_allclose(layer(projected, residual, training=training, kernel_applied=True), plain, atol=1e-5)


def _two_layer_model():
    return tfl.LongformerModel(
        tfl.LongformerConfig(
            vocab_size=30,
            hidden_size=HIDDEN,
            num_hidden_layers=2,
            num_attention_heads=HEADS,
            intermediate_size=16,
            attention_window=WINDOW,
            max_position_embeddings=40,
        )
    )


def test_trace_options_apply_only_within_traced_with():
    model = _two_layer_model()
    ids = np.full((1, 6), 5, "int32")
    with traced_with(model, separate_layer_graphs=True):
        assert model.encoder.trace_options.separate_layer_graphs
        inside = tf.function(lambda x: model(x).last_hidden_state)(ids)
    assert model.encoder.trace_options == TraceOptions()
    np.testing.assert_allclose(inside, model(ids).last_hidden_state, atol=1e-6)


def test_attentions_without_global_tokens_have_no_global_column():
    """The reference's shapes: the masked filler slot a batch without global tokens computes
    with is not in the returned probabilities."""
    model = _two_layer_model()
    ids = np.full((2, 6), 5, "int32")
    outputs = model(ids, output_attentions=True)
    for local, global_probs in zip(outputs.attentions, outputs.global_attentions):
        assert local.shape[-1] == WINDOW + 1 and global_probs.shape[-1] == 0
    global_attention_mask = np.zeros_like(ids)
    global_attention_mask[0, [0, 2]] = 1
    with_global = model(ids, global_attention_mask=global_attention_mask, output_attentions=True)
    assert with_global.attentions[0].shape[-1] == 2 + WINDOW + 1 and with_global.global_attentions[0].shape[-1] == 2


def test_classification_head_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    check_layer(
        lambda **kw: tfl.layers.heads.LongformerClassificationHead(HIDDEN, 3, dropout=0.0, **kw), [hidden], tmp_path
    )


def test_lm_head_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    word_embeddings = np.random.default_rng(1).normal(size=(30, HIDDEN)).astype("float32")
    check_layer(
        lambda **kw: tfl.layers.heads.LongformerLMHead(30, HIDDEN, **kw),
        [hidden],
        tmp_path,
        call_kwargs={"word_embeddings": word_embeddings},
    )
