"""`serving_text`: strings in, tokenized inside the graph; checked in a process without tf_longformer
against the Python tokenizer, the Keras model and the Predictor's answers; refusals write nothing."""

import os

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl
from tf_longformer.inference.predictor import Predictor

TASKS = ("base", "sequence_classification", "token_classification", "masked_lm", "question_answering")
TOLERANCE = 1e-5
TEXTS = [
    "the guard wears red .",
    "",
    "  Ünïcödé\tand 漢字 with 👨\u200d👩\u200d👧 and ﬁ, it's <mask> here\n",
    "the river is old . " * 40,  # far longer than the model's 78 positions
]
QUESTIONS = ["what does the guard wear ?", "who?", "is the river old ? " * 3, "où ?"]
CONTEXTS = [
    "the guard wears red . the visitor wears blue .",
    "",
    "the guard is on duty . " * 30,  # read in windows of the model's 78 positions (see test_long_context_qa)
    "Le garde porte du rouge .",
]


@pytest.fixture(scope="module")
def tokenizer():
    corpus = ["the guard wears red . the visitor wears blue . who is on duty ? the river is old ."] * 20
    corpus += ["Ünïcödé 漢字 👨\u200d👩\u200d👧 ﬁ it's où Le garde porte du rouge"] * 5
    return tfl.LongformerTokenizer.train_new_from_iterator(corpus, vocab_size=320)


def make_model(task, tokenizer, **overrides):
    return cases_lib.make_model(task, vocab_size=len(tokenizer), **overrides)


@pytest.fixture(scope="module")
def exported(tokenizer, tmp_path_factory):
    """{task: (model, version directory)}, each exported with `tokenizer`."""
    base = tmp_path_factory.mktemp("text-exports")
    result = {}
    for task in TASKS:
        model = make_model(task, tokenizer)
        path = tfl.export.saved_model(model, str(base), model_name=task, tokenizer=tokenizer, max_request_tokens=2000)
        result[task] = (model, path)
    return result


def python_features(tokenizer, model, texts, pairs=None):
    limit = model.config.max_sequence_length
    truncation = "only_second" if pairs is not None else True
    return tokenizer(texts, pairs, truncation=truncation, max_length=limit, padding=True, return_offsets_mapping=True)


def test_loaded_without_tf_longformer_matches_tokenizer_model_and_predictor(exported, tokenizer, tmp_path):
    calls = {}
    for task, (_model, path) in exported.items():
        if task == "question_answering":
            calls[task] = (
                path,
                "signature:serving_text",
                {"question": np.array(QUESTIONS), "context": np.array(CONTEXTS)},
            )
            for row in range(len(QUESTIONS)):  # one by one too: exactly the Predictor's inputs (no padding)
                inputs = {"question": np.array(QUESTIONS[row : row + 1]), "context": np.array(CONTEXTS[row : row + 1])}
                calls[f"{task}/{row}"] = (path, "signature:serving_text", inputs)
        else:
            calls[task] = (path, "signature:serving_text", {"text": np.array(TEXTS)})
    got, signatures = cases_lib.run_with_plain_tensorflow(calls, tmp_path)

    for task, (model, path) in exported.items():
        assert "serving_text" in signatures[path] and "serving_default" in signatures[path]
        question_answering = task == "question_answering"
        encoding = python_features(tokenizer, model, *((QUESTIONS, CONTEXTS) if question_answering else (TEXTS,)))
        out = got[task]
        # A long QA context is read in windows (its rows: test_long_context_qa); the others fit in one.
        rows = [0, 1, 3] if question_answering else slice(None)
        ids = np.asarray(encoding["input_ids"], np.int32)[rows]
        assert out["input_ids"].dtype == np.int32 and out["offsets"].dtype == np.int32
        np.testing.assert_array_equal(out["input_ids"][rows], ids)
        np.testing.assert_array_equal(out["offsets"][rows], np.asarray(encoding["offset_mapping"], np.int32)[rows])
        keras = model(input_ids=ids, attention_mask=np.asarray(encoding["attention_mask"], np.int32)[rows])
        for name in tfl.export.head_spec(model).outputs:
            assert float(np.max(np.abs(out[name][rows] - np.asarray(keras[name])))) <= TOLERANCE, (task, name)

    model = exported["question_answering"][0]
    predictor = Predictor(
        lambda features: {k: v.numpy() for k, v in model(features).items() if k in ("start_logits", "end_logits")},
        tokenizer,
        "question_answering",
        max_length=model.config.max_sequence_length,
    )
    for row, (question, context) in enumerate(zip(QUESTIONS, CONTEXTS)):
        one = got[f"question_answering/{row}"]
        answer, start, end = one["answer"][0], int(one["answer_start"][0]), int(one["answer_end"][0])
        assert answer == context[start:end]
        if not context:  # nothing to answer from (the Predictor refuses a single empty text pair)
            assert (answer, start, end) == ("", 0, 0)
            continue
        expected = predictor.predict(context, question)
        assert (answer, start, end) == (expected["answer"], expected["start"], expected["end"]), row
        batched = got["question_answering"]
        assert batched["answer"][row] == context[batched["answer_start"][row] : batched["answer_end"][row]]


def test_signature_inputs_and_outputs(exported):
    for task, (_model, path) in exported.items():
        function = tf.saved_model.load(path).signatures["serving_text"]
        inputs = function.structured_input_signature[1]
        names = ("question", "context") if task == "question_answering" else ("text",)
        assert sorted(inputs) == sorted(names)
        for spec in inputs.values():
            assert spec.dtype == tf.string and spec.shape.as_list() == [None]
        outputs = function.structured_outputs
        assert outputs["input_ids"].shape.as_list() == [None, None]
        assert outputs["offsets"].shape.as_list() == [None, None, 2]
        if task == "question_answering":
            assert outputs["answer"].dtype == tf.string
            assert outputs["answer_start"].dtype == outputs["answer_end"].dtype == tf.int32


def test_max_length_truncates_inside_the_graph(tokenizer, tmp_path):
    model = make_model("sequence_classification", tokenizer)
    path = tfl.export.saved_model(model, str(tmp_path), tokenizer=tokenizer, max_length=8)
    out = tf.saved_model.load(path).signatures["serving_text"](text=tf.constant(TEXTS))
    assert out["input_ids"].shape[1] == 8
    want = tokenizer(TEXTS, truncation=True, max_length=8, padding=True)["input_ids"]
    np.testing.assert_array_equal(out["input_ids"].numpy(), np.asarray(want))


def test_refusals_write_nothing(tokenizer, tmp_path):
    base = str(tmp_path / "exports")
    model = make_model("sequence_classification", tokenizer)
    limit = model.config.max_sequence_length
    cases = [
        (make_model("multiple_choice", tokenizer), {}, "no serving_text"),
        (model, {"tokenizer": object()}, "must be a tf_longformer LongformerTokenizer"),
        (cases_lib.make_model("sequence_classification"), {}, "vocab_size is 40"),
        (make_model("sequence_classification", tokenizer, pad_token_id=3), {}, "pad_token_id"),
        (model, {"max_length": 1}, "`max_length` must be an int from 2"),
        (model, {"max_length": limit + 1}, f"from 2 to {limit}"),
        (make_model("question_answering", tokenizer), {"max_length": 6}, "from 7"),
        (model, {"tokenizer": None, "max_length": 8}, "needs tokenizer="),
        (model, {"tokenizer": None, "signatures": ["serving_text"]}, "needs the model's tokenizer"),
    ]
    for candidate, overrides, message in cases:
        arguments = {"tokenizer": tokenizer, **overrides}
        with pytest.raises(tfl.export.ExportError, match=message):
            tfl.export.saved_model(candidate, base, model_name="refused", **arguments)
    assert not os.path.exists(base)


def test_text_signature_by_name_only(exported, tokenizer, tmp_path):
    model = exported["masked_lm"][0]
    path = tfl.export.saved_model(model, str(tmp_path), tokenizer=tokenizer, signatures=["serving_text"])
    assert sorted(tf.saved_model.load(path).signatures) == ["serving_text"]
