"""Every layer meets the shared contract (tests/harness.py) with a tiny config."""

import numpy as np
import pytest

import tf_longformer as tfl
from harness import check_layer

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


def test_classification_head_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    check_layer(lambda **kw: tfl.layers.heads.LongformerClassificationHead(HIDDEN, 3, dropout=0.0, **kw), [hidden], tmp_path)


def test_lm_head_meets_the_contract(tmp_path):
    hidden, _ = _hidden_and_mask()
    word_embeddings = np.random.default_rng(1).normal(size=(30, HIDDEN)).astype("float32")
    check_layer(
        lambda **kw: tfl.layers.heads.LongformerLMHead(30, HIDDEN, **kw),
        [hidden],
        tmp_path,
        call_kwargs={"word_embeddings": word_embeddings},
    )
