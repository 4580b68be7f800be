"""`GraphTokenizer` (byte-level BPE in a TF graph) against `LongformerTokenizer` on random Unicode:
ids, attention masks and offsets identical, single texts and (question, context) pairs, truncation."""

import random

import numpy as np
import pytest
import tensorflow as tf
from tokenizers import pre_tokenizers

import tf_longformer as tfl
from tf_longformer.tokenization.graph_bpe import GraphTokenizer, concat_rows
from tf_longformer.tokenization.unicode_classes import LETTER, NUMBER, WHITESPACE

SPECIALS = ["<s>", "</s>", "<pad>", "<unk>", "<mask>"]
POOLS = {
    "ascii": list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?-()[]\"'/&%$#@*+=_~"),
    "words": ["the", "guard", "wears", "red", " it", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "don't"],
    "space": [" ", "  ", "   ", "\t", "\n", "\r\n", " \t ", "\u00a0", "\u3000", "\u2003", "\x0b", "\x85"],
    "accents": list("éèêëàâäôöûüçñÉÀ") + ["e\u0301", "a\u0308", "\u0303"],
    "cjk": list("漢字日本語中文한국어ひらがなカタカナ"),
    "emoji": ["😀", "👍🏽", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "❤️", "\u200d"],
    "ligatures": list("ﬁﬂﬀﬃ") + ["Æ", "œ", "ß"],
    "digits": list("٠١٢३४५①½²") + ["2026", "3.14"],
    "special": SPECIALS + [" <mask>", "\t<mask> ", "<s", "</s", "<mask"],
    "other": list("€£¥©®™•…—–«»¿¡§¶†‡"),
}


def random_text(rng: random.Random, pieces: int) -> str:
    parts = []
    for _ in range(pieces):
        pool = rng.choice(list(POOLS) + ["codepoint"])
        if pool == "codepoint":  # anywhere in Unicode, surrogates excepted (not encodable)
            code = rng.randrange(0x110000)
            parts.append(chr(code) if not 0xD800 <= code < 0xE000 else "?")
        else:
            parts.append(rng.choice(POOLS[pool]))
    return "".join(parts)


@pytest.fixture(scope="module")
def tokenizer():
    """A byte-level BPE trained here on seeded random text, so merges cover every pool."""
    rng = random.Random(1234)
    corpus = [random_text(rng, rng.randrange(5, 60)) for _ in range(3000)]
    corpus += ["the guard wears red . it's the guard's coat , don't they'll we've I'm he'd"] * 50
    return tfl.LongformerTokenizer.train_new_from_iterator(corpus, vocab_size=1200, min_frequency=2)


@pytest.fixture(scope="module")
def graph(tokenizer):
    return GraphTokenizer.from_tokenizer(tokenizer, max_length=512)


def python_encoding(tokenizer, texts, pairs=None, max_length=512):
    truncation = "only_second" if pairs is not None else True
    return tokenizer(texts, pairs, truncation=truncation, max_length=max_length, return_offsets_mapping=True)


def assert_same(got, want, texts, pairs=None):
    for row, text in enumerate(texts):
        ids = want["input_ids"][row]
        length = len(ids)
        context = f"row {row}: {text!r}" + (f" / {pairs[row]!r}" if pairs is not None else "")
        assert got["input_ids"][row, :length].numpy().tolist() == ids, context
        assert got["offsets"][row, :length].numpy().tolist() == [list(o) for o in want["offset_mapping"][row]], context
        assert got["attention_mask"][row].numpy().tolist() == [1] * length + [0] * (
            got["input_ids"].shape[1] - length
        ), context
        if pairs is not None:
            context_mask = [int(s == 1) for s in want.sequence_ids(row)]
            assert got["context_mask"][row, :length].numpy().tolist() == context_mask, context


def test_random_unicode_texts_match_the_python_tokenizer(tokenizer, graph):
    rng = random.Random(0)
    texts = [random_text(rng, rng.randrange(0, 40)) for _ in range(300)]
    texts += ["", " ", "  \t\n ", "<s>", "a <mask>", "\u00a0<mask>x", "'s", "x's", " 's", "\t's", "a  b"]
    for start in range(0, len(texts), 100):
        chunk = texts[start : start + 100]
        assert_same(graph.encode(tf.constant(chunk)), python_encoding(tokenizer, chunk), chunk)


def test_every_seventh_code_point_of_the_bmp(tokenizer, graph):
    """Each code point alone, after a letter, a digit, a space and an apostrophe, and doubled."""
    code_points = [c for c in range(0, 0x10000, 7) if not 0xD800 <= c < 0xE000]
    texts = []
    for start in range(0, len(code_points), 48):
        texts.append(
            "".join(f"{chr(c)}a{chr(c)} {chr(c)}{chr(c)}1'{chr(c)}\t" for c in code_points[start : start + 48])
        )
    for start in range(0, len(texts), 50):
        chunk = texts[start : start + 50]
        graph_long = GraphTokenizer.from_tokenizer(tokenizer, max_length=2048)
        assert_same(graph_long.encode(tf.constant(chunk)), python_encoding(tokenizer, chunk, max_length=2048), chunk)


def test_truncation_of_texts_far_longer_than_max_length(tokenizer):
    rng = random.Random(7)
    texts = [random_text(rng, 400) for _ in range(5)] + ["short", ""]
    short = GraphTokenizer.from_tokenizer(tokenizer, max_length=16)
    got = short.encode(tf.constant(texts))
    assert got["input_ids"].shape[1] == 16
    assert_same(got, python_encoding(tokenizer, texts, max_length=16), texts)


def test_pairs_truncate_only_the_context(tokenizer, graph):
    rng = random.Random(3)
    questions = [random_text(rng, rng.randrange(0, 8)) for _ in range(40)]
    contexts = [random_text(rng, rng.randrange(0, 300)) for _ in range(40)]
    short = GraphTokenizer.from_tokenizer(tokenizer, max_length=64)
    for model, length in ((graph, 512), (short, 64)):
        got = model.encode_pairs(tf.constant(questions), tf.constant(contexts))
        assert_same(got, python_encoding(tokenizer, questions, contexts, max_length=length), questions, contexts)


@pytest.mark.parametrize("max_length, stride", [(64, 8), (64, 0), (96, 40)])
def test_pair_windows_are_encode_qa_windows(tokenizer, max_length, stride):
    """Random pairs, most contexts several windows long, some shorter than one window or empty."""
    rng = random.Random(max_length + stride)
    questions = [random_text(rng, rng.randrange(0, 6)) for _ in range(30)]
    contexts = [random_text(rng, rng.randrange(0, 200)) for _ in range(30)]
    graph = GraphTokenizer.from_tokenizer(tokenizer, max_length=max_length)
    got = graph.encode_pair_windows(tf.constant(questions), tf.constant(contexts), stride)
    want = tokenizer.encode_qa_windows(questions, contexts, max_length=max_length, stride=stride, return_tensors=None)
    np.testing.assert_array_equal(got["overflow_to_sample_mapping"], want["overflow_to_sample_mapping"])
    assert max(want["overflow_to_sample_mapping"]) == 29 and len(want["input_ids"]) > 45  # many pairs overflow
    for row, ids in enumerate(want["input_ids"]):
        length = sum(want["attention_mask"][row])
        assert got["input_ids"][row, :length].numpy().tolist() == ids[:length], row
        assert got["context_mask"][row, :length].numpy().tolist() == want["context_mask"][row][:length], row
        context = np.asarray(want["context_mask"][row][:length], bool)
        got_spans = got["offsets"][row, :length].numpy()[context]
        np.testing.assert_array_equal(got_spans, np.asarray(want["offset_mapping"][row][:length])[context])


def test_a_question_without_room_for_the_context_fails_as_in_python(tokenizer):
    short = GraphTokenizer.from_tokenizer(tokenizer, max_length=8)
    question, context = "the guard wears red and blue today", "a long context " * 5
    with pytest.raises(ValueError):
        python_encoding(tokenizer, [question], [context], max_length=8)
    with pytest.raises(tf.errors.InvalidArgumentError, match="question is too long"):
        short.encode_pairs(tf.constant([question]), tf.constant([context]))


def test_empty_batch(graph):
    got = graph.encode(tf.constant([], tf.string))
    assert got["input_ids"].shape == (0, 2) or got["input_ids"].shape[0] == 0
    assert got["offsets"].shape[0] == 0 and got["offsets"].shape[-1] == 2


def test_character_classes_equal_the_tokenizers_library():
    """The RE2 classes against tokenizers' own pre-tokenizer on every 97th code point and the
    ranges Unicode 16 added (see unicode_classes)."""
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    code_points = [c for c in range(0, 0x110000, 97) if not 0xD800 <= c < 0xE000]
    code_points += [0x1C89, 0xA7CB, 0x105C0, 0x10D40, 0x13460, 0x1E5F1, 0x2EBF0, 0x0B, 0x85, 0xA0, 0x3000]

    def tokenizers_class(character):
        for prefix, name in (("a", "L"), ("1", "N"), ("!", "O")):
            if len(pre.pre_tokenize_str(prefix + character)) == 1:
                return name
        return "S"

    characters = [chr(c) for c in code_points]
    strings = tf.constant(characters)
    letter = tf.strings.regex_full_match(strings, LETTER).numpy()
    number = tf.strings.regex_full_match(strings, NUMBER).numpy()
    space = tf.strings.regex_full_match(strings, WHITESPACE).numpy()
    ours = np.where(space, "S", np.where(letter, "L", np.where(number, "N", "O")))
    theirs = np.array([tokenizers_class(c) for c in characters])
    different = [hex(code_points[i]) for i in np.flatnonzero(ours != theirs)]
    assert not different


def test_refuses_a_pipeline_it_does_not_reproduce(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    prefixed = tfl.LongformerTokenizer.from_pretrained(tmp_path, add_prefix_space=True)
    with pytest.raises(ValueError, match="add_prefix_space=False"):
        GraphTokenizer.from_tokenizer(prefixed, max_length=32)
    with pytest.raises(ValueError, match="max_length"):
        GraphTokenizer.from_tokenizer(tokenizer, max_length=1)


def test_invalid_utf8_fails_the_call(graph):
    with pytest.raises(tf.errors.InvalidArgumentError):
        graph.encode(tf.constant([b"ok \xff\xfe not utf-8"]))


def test_concat_rows_is_the_ragged_concat_along_axis_1():
    rng = np.random.default_rng(5)
    for rows in (0, 1, 4):
        parts = []
        for _ in range(3):
            lengths = rng.integers(0, 4, rows).astype(np.int32)  # empty rows too
            values = rng.integers(0, 100, (int(lengths.sum()), 2)).astype(np.int32)  # [N, 2] like offsets
            parts.append(tf.RaggedTensor.from_row_lengths(values, lengths))
        expected = tf.concat(parts, axis=1)
        got = concat_rows(parts)
        assert got.row_splits.dtype == tf.int32
        np.testing.assert_array_equal(got.row_splits.numpy(), expected.row_splits.numpy())
        np.testing.assert_array_equal(got.values.numpy(), expected.values.numpy())
