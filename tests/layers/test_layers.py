"""Every layer meets the shared contract (tests/harness.py) with a tiny config."""

import numpy as np
import pytest

import tf_longformer as tfl
from harness import check_layer
from tf_longformer.layers.attention_options import AttentionOptions

HIDDEN, HEADS, WINDOW = 8, 2, 4
OPTIONS = AttentionOptions(num_attention_heads=HEADS, attention_window=WINDOW)


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
        lambda **kw: tfl.LongformerSelfAttention(OPTIONS, HIDDEN, **kw),
        lambda **kw: tfl.LongformerAttention(OPTIONS, HIDDEN, **kw),
        lambda **kw: tfl.LongformerLayer(OPTIONS, HIDDEN, 16, **kw),
        lambda **kw: tfl.LongformerEncoder([WINDOW, 2 * WINDOW], OPTIONS, HIDDEN, 16, **kw),
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
        tfl.LongformerSelfAttention(AttentionOptions(num_attention_heads=3, attention_window=4), 10)
    with pytest.raises(ValueError, match="needs options with an `attention_window`"):
        tfl.LongformerSelfAttention(AttentionOptions(num_attention_heads=2), 8)


def test_layers_take_attention_options_as_one_value_and_serialise_it():
    options = AttentionOptions(
        num_attention_heads=HEADS, attention_window=WINDOW, max_global_tokens=3, query_block_size=4
    )
    hidden, mask = _hidden_and_mask()
    layer = tfl.LongformerLayer(options, intermediate_size=16)
    layer(hidden, mask)  # hidden_size comes from the build shape
    config = layer.get_config()
    assert config["attention_options"] == options.to_config() and config["hidden_size"] == HIDDEN
    assert layer.attention.self_attention.attention_options is options
    assert tfl.LongformerLayer.from_config(config).attention.self_attention.attention_options == options
    encoder = tfl.LongformerEncoder([WINDOW, 2 * WINDOW], options, intermediate_size=16)
    encoder(hidden, mask)
    assert [layer.attention_options.attention_window for layer in encoder.layers] == [WINDOW, 2 * WINDOW]
    assert encoder.get_config()["attention_options"]["attention_window"] is None  # each layer has its own


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
