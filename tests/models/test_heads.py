"""Task heads against the reference fixtures, automatic global attention, input forms."""

import glob
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import locations
import tf_longformer as tfl
from tf_longformer.checkpoints import transfer
from tf_longformer.ops import auto_global

FIXTURES = os.path.join(locations.FIXTURES, "reference")
HEAD_FIXTURES = sorted(
    p for p in glob.glob(os.path.join(FIXTURES, "*.npz")) if not os.path.basename(p).startswith("base_")
)
TOLERANCE = 1e-5


def load_fixture(path):
    """(model with the fixture's weights, inputs, call kwargs, reference outputs)."""
    data = np.load(path)
    config = tfl.LongformerConfig.from_dict(json.loads(str(data["config"])))
    model = getattr(tfl, str(data["model_class"]))(config)
    model.build()
    state = {k[len("weights/") :]: data[k] for k in data.files if k.startswith("weights/")}
    info = transfer.load_state(model.weight_rows(), state)
    assert not info.missing_keys and not info.unexpected_keys, info
    inputs = {k[len("inputs/") :]: data[k] for k in data.files if k.startswith("inputs/")}
    kwargs = {
        name: bool(data[f"kwargs/{name}"])
        for name in ("output_attentions", "output_hidden_states")
        if f"kwargs/{name}" in data.files
    }
    outputs = {k[len("outputs/") :]: data[k] for k in data.files if k.startswith("outputs/")}
    return model, inputs, kwargs, outputs


def assert_matches_reference(out, reference):
    for key, want in reference.items():
        name, *index = key.split("/")
        assert name in out, f"{key} missing from our output"
        got = np.asarray(out[name] if not index else out[name][int(index[0])])
        assert got.shape == want.shape, f"{key}: {got.shape} vs {want.shape}"
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=key)
        np.testing.assert_allclose(np.nan_to_num(got), np.nan_to_num(want), atol=TOLERANCE, rtol=0, err_msg=key)
    for name in ("loss", "attentions", "global_attentions", "hidden_states"):
        present = any(key.split("/")[0] == name for key in reference)
        if name == "global_attentions" and not present and name in out:
            # Without any global token the reference returns None; ours has width 0 (static structure).
            assert all(probs.shape[-1] == 0 for probs in out[name])
            continue
        assert (name in out) == present, f"{name}: ours {'present' if name in out else 'absent'}, reference not"


@pytest.mark.parametrize("path", HEAD_FIXTURES, ids=[os.path.basename(p)[:-4] for p in HEAD_FIXTURES])
def test_head_matches_reference_fixture(path):
    model, inputs, kwargs, reference = load_fixture(path)
    assert_matches_reference(model(**inputs, **kwargs), reference)


def test_every_head_family_has_fixtures():
    prefixes = {os.path.basename(p).split("_")[0] for p in HEAD_FIXTURES}
    assert prefixes == {"mlm", "seqcls", "tokcls", "qa", "mc"}


@pytest.mark.parametrize("name", ["qa_w4_len15_b2_autoglobal_positions", "mc_w4_c3_len12_b2_autoglobal_labels"])
def test_head_fixture_in_a_graph_with_unknown_shapes(name):
    """Automatic global attention and the loss trace with [None, None] inputs."""
    model, inputs, _, reference = load_fixture(os.path.join(FIXTURES, name + ".npz"))
    signature = {k: tf.TensorSpec([None] * v.ndim, tf.as_dtype(v.dtype)) for k, v in inputs.items()}
    run = tf.function(lambda batch: model(**batch), input_signature=[signature])
    out = run({k: tf.constant(v) for k, v in inputs.items()})
    for key in ("loss", "logits", "start_logits", "end_logits"):
        if key in reference:
            np.testing.assert_allclose(np.asarray(out[key]), reference[key], atol=TOLERANCE, err_msg=key)


def test_question_answering_compiles_with_xla():
    model, inputs, _, reference = load_fixture(os.path.join(FIXTURES, "qa_w4_len15_b2_autoglobal_positions.npz"))
    run = tf.function(lambda batch: model(**batch)["start_logits"], jit_compile=True)
    np.testing.assert_allclose(run(inputs).numpy(), reference["start_logits"], atol=TOLERANCE)


def test_dict_input_with_labels_equals_keywords():
    model, inputs, _, reference = load_fixture(os.path.join(FIXTURES, "qa_w4_len15_b2_autoglobal_positions.npz"))
    out = model(dict(inputs))
    np.testing.assert_allclose(np.asarray(out.loss), reference["loss"], atol=TOLERANCE)
    np.testing.assert_allclose(np.asarray(out["start_logits"]), reference["start_logits"], atol=TOLERANCE)
    with pytest.raises(ValueError, match="start_positions"):
        model(dict(inputs), start_positions=inputs["start_positions"])


def _tiny_config(**overrides):
    values = dict(
        vocab_size=40,
        hidden_size=8,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=16,
        attention_window=4,
        max_position_embeddings=40,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


QA_IDS = np.array([[0, 5, 6, 2, 2, 7, 8, 9, 2], [0, 5, 2, 2, 7, 8, 2, 1, 1]], "int32")
NO_SEP = np.array([[0, 5, 6, 7, 8], [0, 5, 2, 7, 8]], "int32")


def test_question_answering_auto_global_equals_explicit_and_tokenizer_helper():
    model = tfl.LongformerForQuestionAnswering(_tiny_config())
    expected = np.array([[1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0, 0]], "int32")
    np.testing.assert_array_equal(auto_global.question_answering_global_mask(tf.constant(QA_IDS), 2), expected)
    np.testing.assert_array_equal(tfl.question_answering_global_attention_mask(QA_IDS), expected)
    auto = model(QA_IDS, attention_mask=(QA_IDS != 1).astype("int32"))
    explicit = model(QA_IDS, attention_mask=(QA_IDS != 1).astype("int32"), global_attention_mask=expected)
    np.testing.assert_array_equal(np.asarray(auto.start_logits), np.asarray(explicit.start_logits))


def test_multiple_choice_and_classification_auto_global_masks():
    ids = tf.constant(QA_IDS)
    np.testing.assert_array_equal(
        auto_global.multiple_choice_global_mask(ids, 2),
        [[0, 0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1, 1]],
    )
    np.testing.assert_array_equal(
        auto_global.classification_global_mask(ids), tfl.classification_global_attention_mask(QA_IDS)
    )


@pytest.mark.parametrize("cls", [tfl.LongformerForQuestionAnswering, tfl.LongformerForMultipleChoice])
def test_missing_separator_is_a_clear_error_eagerly_and_in_a_graph(cls):
    model = cls(_tiny_config())
    ids = NO_SEP if cls is tfl.LongformerForQuestionAnswering else NO_SEP[:, None, :]
    with pytest.raises(ValueError, match=r"some rows of `input_ids` contain none.*Rows without a separator: \[0\]"):
        model(ids)
    run = tf.function(lambda x: model(x), input_signature=[tf.TensorSpec([None] * ids.ndim, tf.int32)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="some rows of `input_ids` contain none"):
        run(ids)
    model(ids, global_attention_mask=np.zeros_like(ids))  # an explicit mask needs no separator


def test_question_answering_with_embeddings_and_no_global_mask_warns():
    model = tfl.LongformerForQuestionAnswering(_tiny_config())
    with pytest.warns(UserWarning, match="automatic global attention needs `input_ids`"):
        out = model(inputs_embeds=np.zeros((1, 5, 8), "float32"))
    assert out.start_logits.shape == (1, 5)


def test_multiple_choice_needs_rank_three_inputs():
    model = tfl.LongformerForMultipleChoice(_tiny_config())
    with pytest.raises(ValueError, match=r"\[batch, num_choices, length\]"):
        model(QA_IDS)
    out = model(np.stack([QA_IDS, QA_IDS], axis=1), labels=np.array([0, 1]))
    assert out.logits.shape == (2, 2) and out.loss.shape == ()


def test_question_answering_needs_two_labels():
    with pytest.raises(ValueError, match="num_labels=2"):
        tfl.LongformerForQuestionAnswering(_tiny_config(num_labels=3))


def test_tf_aliases_and_outputs_are_exported():
    for name in (
        "Model",
        "ForMaskedLM",
        "ForSequenceClassification",
        "ForTokenClassification",
        "ForQuestionAnswering",
        "ForMultipleChoice",
    ):
        assert getattr(tfl, "TFLongformer" + name) is getattr(tfl, "Longformer" + name)
    assert tfl.TFLongformerQuestionAnsweringModelOutput is tfl.LongformerQuestionAnsweringModelOutput


def test_functional_model_with_keras_dict_inputs():
    model = tfl.LongformerForQuestionAnswering(_tiny_config())
    mask = (QA_IDS != 1).astype("int32")
    symbolic = {name: keras.Input((None,), dtype="int32", name=name) for name in ("input_ids", "attention_mask")}
    functional = keras.Model(symbolic, model(symbolic))
    got = functional.predict({"input_ids": QA_IDS, "attention_mask": mask}, verbose=0)
    want = model(QA_IDS, attention_mask=mask)
    np.testing.assert_allclose(got["start_logits"], np.asarray(want.start_logits), atol=1e-6)
