"""`LongformerQuestionAnsweringPreprocessor`: the Python tokenizer's pairs in the graph, and answer
spans to the token positions `char_to_token` gives, on texts with CJK, emoji, combining marks and
whitespace runs; cut-off answers to (0, 0)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from tf_longformer.preprocessing import LongformerQuestionAnsweringPreprocessor

CONTEXTS = [
    "the guard wears red . the visitor wears blue .",
    "长文档 里 有 答案 , and emoji 🙂👍🏽 too  —  e\u0301te\u0301 café",
    "  spaces   and\ttabs\nand new lines   between   words  ",
    "a 😀 b 😀😀 c 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 d",
]
QUESTIONS = ["what does the guard wear ?", "where is the answer ?", "how are words split ?", "which letters ?"]


@pytest.fixture(scope="module")
def tokenizer():
    return tfl.LongformerTokenizer.from_pretrained("default")


def python_pairs(tokenizer, questions, contexts, sequence_length):
    return tokenizer(
        questions,
        contexts,
        truncation="only_second",
        max_length=sequence_length,
        padding=True,
        global_attention="question_answering",
    )


@pytest.mark.parametrize("sequence_length", [24, 4096])
def test_the_inputs_are_the_python_tokenizers(tokenizer, sequence_length):
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=sequence_length)
    got = preprocessor({"question": QUESTIONS, "context": CONTEXTS})
    want = python_pairs(tokenizer, QUESTIONS, CONTEXTS, sequence_length)
    for name in ("input_ids", "attention_mask", "global_attention_mask"):
        np.testing.assert_array_equal(got[name].numpy(), np.asarray(want[name]), err_msg=name)


def test_random_answer_spans_land_where_char_to_token_says(tokenizer):
    rng = np.random.default_rng(0)
    rows, starts, texts, spans = [], [], [], []
    for _ in range(200):
        row = int(rng.integers(len(CONTEXTS)))
        context = CONTEXTS[row]
        characters = [i for i, c in enumerate(context) if not c.isspace()]
        first, last = sorted(rng.choice(characters, 2))
        rows.append(row)
        starts.append(int(first))
        texts.append(context[first : last + 1])
        spans.append((int(first), int(last)))
    questions, contexts = [QUESTIONS[r] for r in rows], [CONTEXTS[r] for r in rows]
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=4096)
    answers = {"answer_start": starts, "answer_text": texts}
    _, positions = preprocessor({"question": questions, "context": contexts}, answers)
    batch = python_pairs(tokenizer, questions, contexts, 4096)
    want_start = [batch.char_to_token(i, first, sequence_index=1) for i, (first, _) in enumerate(spans)]
    want_end = [batch.char_to_token(i, last, sequence_index=1) for i, (_, last) in enumerate(spans)]
    np.testing.assert_array_equal(positions["start_positions"], want_start)
    np.testing.assert_array_equal(positions["end_positions"], want_end)


def test_an_answer_cut_off_by_truncation_is_the_s_token(tokenizer):
    context = "the guard wears red . " * 10 + "the visitor wears blue ."
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=32)
    answers = {"answer_start": [context.index("red"), context.rindex("blue")], "answer_text": ["red", "blue"]}
    x, y = preprocessor({"question": ["what colour ?"] * 2, "context": [context] * 2}, answers)
    batch = python_pairs(tokenizer, ["what colour ?"], [context], 32)
    assert int(y["start_positions"][0]) == batch.char_to_token(0, context.index("red"), sequence_index=1)
    assert [int(y["start_positions"][1]), int(y["end_positions"][1])] == [0, 0]  # "blue" was cut off


def test_in_a_tf_data_map_with_answers(tokenizer):
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=64)
    answers = {"answer_start": [CONTEXTS[0].index("red")] * 4, "answer_text": ["red"] * 4}
    dataset = (
        tf.data.Dataset.from_tensor_slices(({"question": QUESTIONS, "context": [CONTEXTS[0]] * 4}, answers))
        .batch(2)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
    )
    for x, y in dataset:
        assert sorted(x) == ["attention_mask", "global_attention_mask", "input_ids"]
        assert sorted(y) == ["end_positions", "start_positions"] and y["start_positions"].shape == (2,)


def test_bad_inputs_are_clear_errors(tokenizer):
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=64)
    with pytest.raises(ValueError, match="a dict with 'question' and 'context'"):
        preprocessor(["only texts"])
    with pytest.raises(ValueError, match="'answer_start'"):
        preprocessor({"question": ["q"], "context": ["c"]}, {"start": [0]})
    with pytest.raises(ValueError, match="`stride`.* from 0 to 58 for rows of 64 tokens"):
        LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=64, stride=59)
    with pytest.raises(ValueError, match="stride must be None"):
        LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=64, stride=-1)


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_a_question_answering_head_fits_on_the_mapped_dataset(tokenizer):
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=64)
    contexts = [CONTEXTS[0]] * 4
    starts = [contexts[0].index("red"), contexts[0].index("blue")] * 2
    answers = {"answer_start": starts, "answer_text": ["red", "blue"] * 2}
    dataset = tf.data.Dataset.from_tensor_slices(({"question": QUESTIONS, "context": contexts}, answers)).batch(2)
    model = tfl.LongformerForQuestionAnswering.from_pretrained("default")
    model.compile(optimizer="adam")
    history = model.fit(dataset.map(preprocessor), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_windows_with_a_stride_are_encode_qa_windows_and_follow_the_answers(tokenizer):
    rng = np.random.default_rng(1)
    contexts = [" ".join(CONTEXTS[int(i)] for i in rng.integers(0, 4, 6)) for _ in range(6)]
    starts, texts, spans = [], [], []
    for context in contexts:
        characters = [i for i, c in enumerate(context) if not c.isspace()]
        first = int(rng.choice(characters))
        last = min(i for i in characters if i >= first + int(rng.integers(0, 12)) or i == characters[-1])
        starts.append(first)
        texts.append(context[first : last + 1])
        spans.append((first, last))
    questions = [QUESTIONS[i % 4] for i in range(6)]
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=48, stride=12)
    x, y, weights = preprocessor(
        {"question": questions, "context": contexts}, {"answer_start": starts, "answer_text": texts}, np.arange(6.0)
    )
    want = tokenizer.encode_qa_windows(questions, contexts, max_length=48, stride=12, return_tensors=None)
    sample = np.asarray(want["overflow_to_sample_mapping"])
    assert len(sample) > 12  # most contexts take several windows
    np.testing.assert_array_equal(weights, sample.astype(float))
    for row, pair in enumerate(sample):
        length = sum(want["attention_mask"][row])
        assert x["input_ids"][row, :length].numpy().tolist() == want["input_ids"][row][:length]
        assert x["global_attention_mask"][row, :length].numpy().tolist() == want["global_attention_mask"][row][:length]
        first, last = spans[pair]
        start, end = want.char_to_token(row, first, 1), want.char_to_token(row, last, 1)
        expected = (start, end) if start is not None and end is not None else (0, 0)
        assert (int(y["start_positions"][row]), int(y["end_positions"][row])) == expected, row
    assert y["start_positions"].numpy().any()  # some windows hold their answer


def test_the_output_spec_of_symbolic_pairs(tokenizer):
    preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=16)
    texts = {name: keras.KerasTensor((2,), dtype="string") for name in ("question", "context")}
    x, y = preprocessor.compute_output_spec(texts, {"answer_start": None, "answer_text": None})
    assert x["input_ids"].shape == (2, None) and y["start_positions"].shape == (2,)
