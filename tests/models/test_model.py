"""LongformerModel behaviour: input forms, clear errors, graph/XLA execution, invariances."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl

VOCAB = 40


def tiny_config(**overrides):
    values = dict(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        attention_window=[4, 8],
        max_position_embeddings=80,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    values.update(overrides)
    return tfl.LongformerConfig(**values)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return tfl.LongformerModel(tiny_config())


def batch(seed=0, size=3, length=11):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, VOCAB, size=(size, length)).astype(np.int32)
    mask = np.ones_like(ids)
    mask[1, -4:] = 0
    ids[1, -4:] = 1
    global_mask = np.zeros_like(ids)
    global_mask[0, 0] = 1
    global_mask[2, [1, 5]] = 1
    return {"input_ids": ids, "attention_mask": mask, "global_attention_mask": global_mask}


def test_keyword_dict_and_positional_inputs_agree(model):
    inputs = batch()
    by_keyword = model(**inputs)
    by_dict = model(inputs)
    positional = model(
        inputs["input_ids"],
        attention_mask=inputs["attention_mask"],
        global_attention_mask=inputs["global_attention_mask"],
    )
    for other in (by_dict, positional):
        np.testing.assert_array_equal(by_keyword.last_hidden_state, other["last_hidden_state"])
    assert by_keyword.last_hidden_state.shape == (3, 11, 16)
    assert by_keyword.pooler_output.shape == (3, 16)
    assert by_keyword[0] is by_keyword["last_hidden_state"]
    assert by_keyword.attentions is None and "attentions" not in by_keyword


def test_output_shapes_with_attentions_and_hidden_states(model):
    out = model(**batch(), output_attentions=True, output_hidden_states=True)
    assert len(out.hidden_states) == 3 and out.hidden_states[0].shape == (3, 11, 16)
    # g = 2 global slots (row 2 has two); windows 4 and 8; length padded to 16 for globals
    assert [a.shape for a in out.attentions] == [(3, 2, 11, 2 + 5), (3, 2, 11, 2 + 9)]
    assert [g.shape for g in out.global_attentions] == [(3, 2, 16, 2)] * 2


def test_inputs_embeds_equal_input_ids_path(model):
    ids = batch()["input_ids"][:1]
    embeds = model.embeddings.word_embeddings(ids)
    positions = np.arange(2, 13)[None]
    from_ids = model(input_ids=ids, position_ids=positions).last_hidden_state
    from_embeds = model(inputs_embeds=embeds).last_hidden_state
    np.testing.assert_allclose(from_ids, from_embeds, atol=1e-6)


def test_padding_and_batch_invariance(model):
    inputs = batch(seed=1)
    full = model(**inputs).last_hidden_state.numpy()
    for row in range(3):
        alone = model(**{k: v[row : row + 1] for k, v in inputs.items()}).last_hidden_state.numpy()
        np.testing.assert_allclose(alone, full[row : row + 1], atol=1e-5)
    padded = {
        "input_ids": np.pad(inputs["input_ids"], [[0, 0], [0, 9]], constant_values=1),
        "attention_mask": np.pad(inputs["attention_mask"], [[0, 0], [0, 9]]),
        "global_attention_mask": np.pad(inputs["global_attention_mask"], [[0, 0], [0, 9]]),
    }
    np.testing.assert_allclose(model(**padded).last_hidden_state.numpy()[:, :11], full, atol=1e-5)


def test_global_attention_on_padding_is_ignored(model):
    inputs = batch()
    flagged = dict(inputs, global_attention_mask=inputs["global_attention_mask"].copy())
    flagged["global_attention_mask"][1, -1] = 1  # a padding token
    np.testing.assert_allclose(model(**flagged).last_hidden_state, model(**inputs).last_hidden_state, atol=1e-6)


def test_all_padding_row_is_finite(model):
    inputs = batch()
    inputs["attention_mask"][2] = 0
    out = model(**inputs, output_attentions=True, output_hidden_states=True)
    for tensor in tf.nest.flatten(dict(out)):
        assert np.all(np.isfinite(tensor.numpy()))


def test_one_trace_serves_every_length(model):
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2)
    def run(ids, global_mask):
        traces.append(1)
        return model(input_ids=ids, global_attention_mask=global_mask).last_hidden_state

    rng = np.random.default_rng(0)
    for length in (1, 5, 8, 13, 30):
        ids = rng.integers(3, VOCAB, size=(3, length)).astype(np.int32)
        global_mask = np.zeros_like(ids)
        global_mask[:, 0] = 1
        got = run(ids, global_mask)
        want = model(input_ids=ids, global_attention_mask=global_mask).last_hidden_state
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert len(traces) == 1


@pytest.mark.parametrize("max_global_tokens", [None, 4])
def test_xla_with_global_tokens_matches_eager(max_global_tokens):
    keras.utils.set_random_seed(1)
    model = tfl.LongformerModel(tiny_config(), max_global_tokens=max_global_tokens)
    inputs = batch()
    eager = model(**inputs).last_hidden_state
    compiled = tf.function(lambda x: model(x).last_hidden_state, jit_compile=True)
    np.testing.assert_allclose(compiled(inputs), eager, atol=1e-5)
    assert model.supports_jit == (max_global_tokens is not None)


def test_gradients_through_global_attention_in_a_graph(model):
    inputs = batch()

    @tf.function
    def gradients(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x).pooler_output ** 2)
        return tape.gradient(loss, model.trainable_variables)

    grads = gradients(inputs)
    assert all(g is not None and np.all(np.isfinite(tf.convert_to_tensor(g).numpy())) for g in grads)
    names = [v.path for v, g in zip(model.trainable_variables, grads) if "query_global" in v.path]
    assert names  # the global projections take part


def test_no_tensor_is_quadratic_in_the_length():
    model = tfl.LongformerModel(tiny_config(attention_window=8, max_position_embeddings=2100))
    length = 2048
    spec = tf.TensorSpec([1, length], tf.int32)
    graph = (
        tf.function(lambda ids, g: model(input_ids=ids, global_attention_mask=g).last_hidden_state)
        .get_concrete_function(spec, spec)
        .graph
    )
    for op in graph.get_operations():
        for output in op.outputs:
            dims = [d for d in output.shape.as_list() or [] if d is not None]
            assert sum(d >= length for d in dims) <= 1, f"{op.name}: {output.shape}"
            assert np.prod(dims or [1]) < length * length / 4, f"{op.name}: {output.shape}"


# --- clear errors, before any work -------------------------------------------------------

ERROR_CASES = [
    (lambda b: dict(b, inputs_embeds=np.zeros((3, 11, 16), np.float32)), "not both"),
    (lambda b: {"attention_mask": b["attention_mask"]}, "Pass `input_ids`"),
    (lambda b: dict(b, input_ids=b["input_ids"].astype(np.float32)), "must hold integers"),
    (lambda b: dict(b, input_ids=b["input_ids"] + VOCAB), r"token ids in \[0, 40\)"),
    (lambda b: dict(b, input_ids=-b["input_ids"]), r"token ids in \[0, 40\)"),
    (lambda b: dict(b, attention_mask=b["attention_mask"] * 2), "only 0"),
    (lambda b: dict(b, global_attention_mask=b["global_attention_mask"] - 1), "only 0"),
    (lambda b: dict(b, attention_mask=b["attention_mask"][:, :5]), "attention_mask"),
    (lambda b: dict(b, input_ids=b["input_ids"][0]), "rank 2"),
    (lambda b: {"input_ids": np.zeros((0, 5), np.int32)}, "empty"),
    (lambda b: {"input_ids": np.zeros((2, 0), np.int32)}, "empty"),
    (lambda b: {"input_ids": np.full((1, 79), 5, np.int32)}, "longer than the model allows"),
    (lambda b: dict(b, token_type_ids=b["input_ids"] * 0 + 2), "type_vocab_size"),
    (lambda b: dict(b, inputs_embeds=np.zeros((3, 11, 7), np.float32), input_ids=None), "inputs_embeds"),
]


@pytest.mark.parametrize("make_inputs, message", ERROR_CASES)
def test_bad_inputs_raise_clear_errors(model, make_inputs, message):
    with pytest.raises(ValueError, match=message):
        model(**make_inputs(batch()))


def test_unknown_dict_key_is_named(model):
    with pytest.raises(ValueError, match="global_mask"):
        model({"input_ids": batch()["input_ids"], "global_mask": batch()["global_attention_mask"]})


@pytest.mark.parametrize("make_inputs, message", [ERROR_CASES[i] for i in (3, 5, 11)])
def test_graph_mode_checks_values_with_the_same_messages(model, make_inputs, message):
    inputs = {k: v for k, v in make_inputs(batch()).items() if v is not None}
    run = tf.function(lambda x: model(x).last_hidden_state)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        run(inputs)


def test_other_keras_backends_are_refused_clearly():
    env = dict(os.environ, KERAS_BACKEND="jax")
    result = subprocess.run([sys.executable, "-c", "import tf_longformer"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "KERAS_BACKEND=tensorflow" in result.stderr


def test_a_tokenizer_batch_goes_straight_in(model):
    batch_encoding = tfl.BatchEncoding({"input_ids": batch()["input_ids"], "attention_mask": batch()["attention_mask"]})
    np.testing.assert_array_equal(
        model(batch_encoding).last_hidden_state, model(dict(batch_encoding)).last_hidden_state
    )


def test_converts_to_tflite_builtins_with_dynamic_length(model):
    """Every op lowers to a TFLite builtin (no Flex) and the length stays free."""
    from ai_edge_litert.interpreter import Interpreter

    spec = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[spec, spec, spec])
    def serve(input_ids, attention_mask, global_attention_mask):
        return model(
            input_ids=input_ids, attention_mask=attention_mask, global_attention_mask=global_attention_mask
        ).last_hidden_state

    # With the model as the trackable, the converter goes through a SavedModel of it (the
    # model's own serving signature must not get in the way) and names inputs by signature.
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    runner = Interpreter(model_content=converter.convert()).get_signature_runner()
    for length in (1, 7, 13):
        values = {k: v[:, :length] for k, v in batch().items()}
        (got,) = runner(**values).values()
        np.testing.assert_allclose(got, model(**values).last_hidden_state, atol=1e-5)
