"""Question answering over contexts longer than the model: `serving_text` and the `Predictor` read
overlapping windows and return the best span over them, equal to a naive path that runs the model
on each `encode_qa_windows` window alone and searches every span by brute force."""

import numpy as np
import pytest
import tensorflow as tf

import export_cases as cases_lib
import tf_longformer as tfl
from answer_reference import brute_force_span
from tf_longformer.inference.predictor import Predictor

MAX_LENGTH = 40
STRIDE = 12
MAX_ANSWER_TOKENS = 30
WORDS = [
    "the",
    "guard",
    "wears",
    "red",
    ".",
    "river",
    "is",
    "old",
    "漢字",
    "👨\u200d👩\u200d👧",
    "ﬁ",
    "où",
    "e\u0301t\u00e9",
]


@pytest.fixture(scope="module")
def tokenizer():
    corpus = [" ".join(WORDS)] * 20 + ["who wears what ? is the river old ?"] * 5
    return tfl.LongformerTokenizer.train_new_from_iterator(corpus, vocab_size=300)


@pytest.fixture(scope="module")
def model(tokenizer):
    return cases_lib.make_model("question_answering", vocab_size=len(tokenizer), **cases_lib.MIXED_WINDOWS)


@pytest.fixture(scope="module")
def serving_text(model, tokenizer, tmp_path_factory):
    path = tfl.export.saved_model(
        model,
        str(tmp_path_factory.mktemp("long-qa")),
        tokenizer=tokenizer,
        max_length=MAX_LENGTH,
        stride=STRIDE,
        max_request_tokens=100 * MAX_LENGTH,
    )
    return tf.saved_model.load(path).signatures["serving_text"]


def random_documents(count, seed):
    rng = np.random.default_rng(seed)
    questions, contexts = [], []
    for _ in range(count):
        questions.append(" ".join(rng.choice(WORDS, size=rng.integers(1, 5))) + " ?")
        spaces = rng.choice([" ", "  ", "\t", "\n"], size=200)
        words = rng.choice(WORDS, size=rng.integers(3, 50))
        contexts.append("".join(word + space for word, space in zip(words, spaces)).strip())
    return questions, contexts


def naive_answer(model, tokenizer, question, context):
    """Each window alone through the Keras model; the best span by brute force; ties to the earlier window."""
    windows = tokenizer.encode_qa_windows(question, context, max_length=MAX_LENGTH, stride=STRIDE, return_tensors=None)
    best = None
    for row in range(len(windows["input_ids"])):
        length = sum(windows["attention_mask"][row])
        ids = np.asarray([windows["input_ids"][row][:length]], np.int32)
        outputs = model(input_ids=ids, attention_mask=np.ones_like(ids), training=False)
        context_mask = windows["context_mask"][row][:length]
        start_logits, end_logits = outputs["start_logits"][0].numpy(), outputs["end_logits"][0].numpy()
        (i, j), score = brute_force_span(start_logits, end_logits, context_mask, MAX_ANSWER_TOKENS)
        if best is None or score > best[0]:
            offsets = windows["offset_mapping"][row]
            best = (score, offsets[i][0], offsets[j][1], row, (i, j))
    score, first, last, row, tokens = best
    return dict(
        answer=context[first:last],
        start=first,
        end=last,
        score=score,
        window=row,
        tokens=tokens,
        windows=len(windows["input_ids"]),
    )


def in_overlap(tokenizer, question, context, expected):
    """Whether the expected answer's tokens are also in a neighbouring window (a span near a window boundary)."""
    windows = tokenizer.encode_qa_windows(question, context, max_length=MAX_LENGTH, stride=STRIDE, return_tensors=None)
    spans = {
        tuple(windows["offset_mapping"][row][k])
        for row in range(len(windows["input_ids"]))
        if row != expected["window"]
        for k in range(len(windows["input_ids"][row]))
        if windows["context_mask"][row][k]
    }
    own = windows["offset_mapping"][expected["window"]]
    return any(tuple(own[k]) in spans for k in range(expected["tokens"][0], expected["tokens"][1] + 1))


def test_serving_text_and_predictor_equal_the_naive_window_path_on_random_long_documents(
    model, tokenizer, serving_text
):
    questions, contexts = random_documents(12, seed=3)
    questions, contexts = questions + ["who ?"], contexts + ["the guard wears red ."]  # one window
    out = serving_text(question=tf.constant(questions), context=tf.constant(contexts))
    predictor = Predictor(
        lambda features: {k: v.numpy() for k, v in model(features, training=False).items() if v is not None},
        tokenizer,
        "question_answering",
        max_length=MAX_LENGTH,
        stride=STRIDE,
    )
    window_counts, near_a_boundary = [], 0
    for row, (question, context) in enumerate(zip(questions, contexts)):
        expected = naive_answer(model, tokenizer, question, context)
        window_counts.append(expected["windows"])
        near_a_boundary += in_overlap(tokenizer, question, context, expected)
        served = (out["answer"][row].numpy().decode(), int(out["answer_start"][row]), int(out["answer_end"][row]))
        assert served == (expected["answer"], expected["start"], expected["end"]), row
        assert int(out["windows"][row]) == expected["windows"]
        assert abs(float(out["answer_score"][row]) - expected["score"]) < 1e-4
        predicted = predictor.predict(context, question)
        assert (predicted["answer"], predicted["start"], predicted["end"]) == served[:3]
        assert predicted["windows"] == expected["windows"]
    assert max(window_counts) >= 4 and min(window_counts) == 1  # long and short contexts in one request
    assert near_a_boundary >= 2  # answers inside the tokens two windows share


def test_the_served_rows_are_the_answers_window(model, tokenizer, serving_text):
    questions, contexts = random_documents(3, seed=5)
    out = serving_text(question=tf.constant(questions), context=tf.constant(contexts))
    windows = tokenizer.encode_qa_windows(
        questions, contexts, max_length=MAX_LENGTH, stride=STRIDE, pad_to_multiple_of=1
    )
    rows = np.asarray(windows["input_ids"])
    for row, (question, context) in enumerate(zip(questions, contexts)):
        window = naive_answer(model, tokenizer, question, context)["window"]
        first = int(np.flatnonzero(windows["overflow_to_sample_mapping"] == row)[0])
        np.testing.assert_array_equal(out["input_ids"][row].numpy(), rows[first + window])
        in_context = windows["context_mask"][first + window].astype(bool)  # the question's are in the question
        np.testing.assert_array_equal(
            out["offsets"][row].numpy()[in_context], windows["offset_mapping"][first + window][in_context]
        )


def test_a_request_over_the_token_limit_is_refused_before_the_model_runs(model, tokenizer, tmp_path):
    path = tfl.export.saved_model(
        model, str(tmp_path), tokenizer=tokenizer, max_length=MAX_LENGTH, max_request_tokens=2 * MAX_LENGTH
    )
    signature = tf.saved_model.load(path).signatures["serving_text"]
    questions, contexts = random_documents(1, seed=3)
    long_context = contexts[0] + " the river is old ." * 30
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than this model runs at once.*80 tokens"):
        signature(question=tf.constant(["who ?"]), context=tf.constant([long_context]))
    out = signature(question=tf.constant(["who ?"]), context=tf.constant(["the guard wears red ."]))
    assert int(out["windows"][0]) == 1

    calls = []
    predictor = Predictor(
        lambda features: calls.append(features) or {},
        tokenizer,
        "question_answering",
        max_length=MAX_LENGTH,
        max_request_tokens=2 * MAX_LENGTH,
    )
    with pytest.raises(ValueError, match="larger than this model runs at once.*This one: [0-9]+ rows of"):
        predictor.predict(long_context, "who ?")
    assert calls == []


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(stride=MAX_LENGTH - 5), "`stride`.*from 0 to 34"),
        (dict(stride=-1), "`stride`"),
        (dict(max_request_tokens=MAX_LENGTH - 1), "`max_request_tokens` must be an int of at least max_length=40"),
        (dict(max_length=6), "`max_length` must be an int from 7"),
    ],
)
def test_export_refuses_bad_window_options(model, tokenizer, tmp_path, arguments, message):
    arguments = {"max_length": MAX_LENGTH, **arguments}
    with pytest.raises(tfl.export.ExportError, match=message):
        tfl.export.saved_model(model, str(tmp_path / "x"), tokenizer=tokenizer, **arguments)
    assert not (tmp_path / "x").exists()


def test_stride_is_refused_where_texts_are_truncated(tokenizer, tmp_path):
    classifier = cases_lib.make_model("sequence_classification", vocab_size=len(tokenizer))
    with pytest.raises(tfl.export.ExportError, match="`stride` applies to question answering"):
        tfl.export.saved_model(classifier, str(tmp_path / "x"), tokenizer=tokenizer, stride=8)
    with pytest.raises(ValueError, match="stride applies to question answering"):
        Predictor(lambda features: {}, tokenizer, "sequence_classification", max_length=MAX_LENGTH, stride=8)
