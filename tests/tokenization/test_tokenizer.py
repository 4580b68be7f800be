"""Tests of `LongformerTokenizer`: fixtures recorded from the reference (always run), live
comparisons with the reference `RobertaTokenizerFast` (when transformers is installed),
errors, global-attention helpers and random-unicode robustness."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import locations
from tf_longformer.tokenization import (
    LongformerTokenizer,
    LongformerTokenizerFast,
    classification_global_attention_mask,
    question_answering_global_attention_mask,
)

FIXTURES = os.path.join(locations.FIXTURES, "tokenizer")
VOCAB_DIR = os.path.join(FIXTURES, "vocab")
with open(os.path.join(FIXTURES, "reference_outputs.json"), encoding="utf-8") as _f:
    REFERENCE = json.load(_f)
CASES = {case["name"]: case for case in REFERENCE["cases"]}


def _resolve(text):
    if text == "@long":
        base, length = REFERENCE["long_document"]["base"], REFERENCE["long_document"]["length"]
        return (base * (length // len(base) + 1))[:length]
    if isinstance(text, list):
        return [_resolve(t) for t in text]
    return text


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(_plain(value), separators=(",", ":")).encode()).hexdigest()


def _outputs(tokenizer, case):
    args = [_resolve(case["text"])] + ([_resolve(case["text_pair"])] if "text_pair" in case else [])
    encoded = tokenizer(*args, **case["kwargs"])
    return {k: (_digest(v) if case.get("digest") else _plain(v)) for k, v in encoded.items()}


@pytest.fixture(scope="module")
def tok() -> LongformerTokenizer:
    return LongformerTokenizer.from_pretrained(VOCAB_DIR)


# ------------------------------------------------------------------ fixture-based (always run)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_reference_fixture(name):
    case = CASES[name]
    tokenizer = LongformerTokenizer.from_pretrained(VOCAB_DIR, **case.get("options", {}))
    assert _outputs(tokenizer, case) == case["expected"]


def test_decode_matches_reference_fixture(tok):
    for item in REFERENCE["decode"]:
        assert tok.decode(item["ids"]) == item["text"]
        assert tok.decode(item["ids"], skip_special_tokens=True) == item["skip_special"]


def test_qa_global_attention_matches_reference_model_fixture(tok):
    fixture = REFERENCE["global_attention"]
    mask = tok.question_answering_global_attention_mask(np.array(fixture["input_ids"]))
    assert mask.dtype == np.int32 and mask.tolist() == fixture["qa_global_attention_mask"]
    tf_mask = question_answering_global_attention_mask(tf.constant(fixture["input_ids"]))
    assert tf_mask.dtype == tf.int32 and tf_mask.numpy().tolist() == fixture["qa_global_attention_mask"]


def test_training_reproduces_reference_trained_vocabulary(tmp_path):
    with open(os.path.join(FIXTURES, "corpus.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    trained = LongformerTokenizer.train_new_from_iterator(lines, vocab_size=1000)
    with open(os.path.join(VOCAB_DIR, "vocab.json"), encoding="utf-8") as f:
        assert trained.get_vocab() == json.load(f)
    trained.save_pretrained(tmp_path)
    for name in ("vocab.json", "merges.txt"):
        with open(tmp_path / name, encoding="utf-8") as a, open(os.path.join(VOCAB_DIR, name), encoding="utf-8") as b:
            assert a.read() == b.read() if name == "merges.txt" else json.load(a) == json.load(b)


def test_special_tokens_and_vocabulary(tok):
    assert LongformerTokenizerFast is LongformerTokenizer
    assert [tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id, tok.mask_token_id] == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert (tok.cls_token, tok.sep_token, tok.mask_token) == ("<s>", "</s>", "<mask>")
    assert tok.all_special_ids == [0, 2, 3, 1, 4]
    assert len(tok) == tok.vocab_size == 702
    assert tok.convert_tokens_to_ids("<mask>") == 4
    assert tok.convert_tokens_to_ids(["<s>", "no-such-token"]) == [0, 3]
    assert tok.convert_ids_to_tokens([0, 4, 2], skip_special_tokens=True) == []
    tokens = tok.tokenize("Hello world")
    assert tok.convert_tokens_to_string(tokens) == "Hello world"
    assert tok.build_inputs_with_special_tokens([7], [8]) == [0, 7, 2, 2, 8, 2]
    assert tok.encode("Hello world") == tok("Hello world")["input_ids"]


def test_save_pretrained_round_trip(tok, tmp_path):
    tok.save_pretrained(tmp_path / "full")
    texts = ["Hello <mask> world", "  spaced\ttext ", "长文档 🤗"]
    expected = tok(texts, return_offsets_mapping=True)
    reloaded = LongformerTokenizer.from_pretrained(tmp_path / "full")
    assert reloaded(texts, return_offsets_mapping=True) == expected
    os.makedirs(tmp_path / "bpe")
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json"):
        os.replace(tmp_path / "full" / name, tmp_path / "bpe" / name)
    assert LongformerTokenizer.from_pretrained(tmp_path / "bpe")(texts, return_offsets_mapping=True) == expected
    with open(tmp_path / "bpe" / "tokenizer_config.json", encoding="utf-8") as f:
        config = json.load(f)
    assert config["tokenizer_class"] == "LongformerTokenizer" and config["added_tokens_decoder"]["4"]["lstrip"] is True


def test_model_max_length_and_prefix_space_are_saved(tmp_path):
    tokenizer = LongformerTokenizer.from_pretrained(VOCAB_DIR, model_max_length=16, add_prefix_space=True)
    tokenizer.save_pretrained(tmp_path)
    reloaded = LongformerTokenizer.from_pretrained(tmp_path)
    assert reloaded.model_max_length == 16 and reloaded.add_prefix_space
    assert len(reloaded("word " * 50, truncation=True)["input_ids"]) == 16


def test_return_tensors_int32(tok):
    batch = tok(["Hello world", "Hi"], padding=True, return_tensors="tf", return_offsets_mapping=True)
    assert isinstance(batch["input_ids"], tf.Tensor) and batch["input_ids"].dtype == tf.int32
    assert batch["offset_mapping"].shape[-1] == 2 and batch.input_ids.shape == batch["attention_mask"].shape
    single = tok("Hello world", return_tensors="np")
    assert single["input_ids"].dtype == np.int32 and single["input_ids"].shape[0] == 1
    assert list(tok("Hello world").keys()) == ["input_ids", "attention_mask"]


def test_padding_to_multiple_of_attention_window(tok):
    batch = tok(["a b c", "a b c d e f g h"], padding=True, pad_to_multiple_of=16, return_tensors="np")
    assert batch["input_ids"].shape[1] == 16
    assert (batch["input_ids"][batch["attention_mask"] == 0] == tok.pad_token_id).all()


def test_global_attention_in_call(tok):
    batch = tok(
        ["What?", "Who is it?"], ["Longformer.", "A model."], padding=True, global_attention="qa", return_tensors="tf"
    )
    expected = question_answering_global_attention_mask(batch["input_ids"])
    assert batch["global_attention_mask"].dtype == tf.int32
    np.testing.assert_array_equal(batch["global_attention_mask"].numpy(), expected.numpy())
    ids = batch["input_ids"].numpy()
    for row, mask in zip(ids, batch["global_attention_mask"].numpy()):
        first_sep = list(row).index(tok.sep_token_id)
        assert mask[:first_sep].all() and not mask[first_sep:].any()
    cls = tok(["a", "b c"], global_attention="classification")["global_attention_mask"]
    assert cls == [[1, 0, 0], [1, 0, 0, 0]]
    np.testing.assert_array_equal(
        classification_global_attention_mask(np.zeros((2, 3), np.int64)), [[1, 0, 0], [1, 0, 0]]
    )


def test_qa_windows_cover_a_long_context(tok):
    context = " ".join(f"word{i}" for i in range(400))
    question = "Where is word123?"
    batch = tok.encode_qa_windows([question], [context], max_length=64, stride=16)
    assert batch["input_ids"].shape[1] == 64 and batch["input_ids"].shape[0] > 1
    assert set(batch["overflow_to_sample_mapping"].tolist()) == {0}
    found = False
    for ids, offsets, context_mask, gmask in zip(
        batch["input_ids"], batch["offset_mapping"], batch["context_mask"], batch["global_attention_mask"]
    ):
        first_sep = list(ids).index(tok.sep_token_id)
        assert gmask[:first_sep].all() and not gmask[first_sep:].any()
        spans = [context[s:e] for (s, e), m in zip(offsets, context_mask) if m]
        found |= "word123" in "".join(spans)
        assert all((s, e) == (0, 0) for (s, e), m in zip(offsets, context_mask) if not m)
    assert found


def test_split_into_words_needs_prefix_space(tok):
    with pytest.raises(ValueError, match="add_prefix_space"):
        tok(["hello", "world"], is_split_into_words=True)
    spaced = LongformerTokenizer.from_pretrained(VOCAB_DIR, add_prefix_space=True)
    out = spaced([["hello", "world"], ["a"]], is_split_into_words=True, padding=True)
    assert len(out["input_ids"]) == 2 and out.word_ids(0)[1] == 0


def test_batch_decode_tensors(tok):
    batch = tok(["Hello world", "café 🤗"], padding=True, return_tensors="tf")
    assert tok.batch_decode(batch["input_ids"], skip_special_tokens=True) == ["Hello world", "café 🤗"]


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"padding": "shortest"}, "padding"),
        ({"truncation": "only_third"}, "truncation"),
        ({"truncation": True, "max_length": 1}, "max_length=1 is too small"),
        ({"truncation": True, "max_length": 8, "stride": 7, "return_overflowing_tokens": True}, "stride"),
        ({"return_tensors": "pt"}, "return_tensors"),
        ({"padding": "max_length"}, "max_length"),
        ({"pad_to_multiple_of": 0}, "pad_to_multiple_of"),
        ({"global_attention": "everything"}, "global_attention"),
        ({"truncation": "only_second", "max_length": 8}, "text_pair"),
    ],
)
def test_bad_arguments(tok, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tok(["Hello world"], **kwargs)


def test_bad_inputs(tok):
    for bad in (5, None, ["ok", 3], b"bytes"):
        with pytest.raises(ValueError, match="text"):
            tok(bad)
    with pytest.raises(ValueError, match="text_pair"):
        tok(["a", "b"], ["only one"])
    with pytest.raises(ValueError, match="text_pair"):
        tok(["a"], [7])
    with pytest.raises(ValueError, match="max_length=3 is too small: a pair"):
        tok("q", "c", truncation="only_second", max_length=3)
    with pytest.raises(ValueError, match="padding=True"):
        tok(["a", "a b c"], return_tensors="np")
    with pytest.raises(ValueError, match="tokenizers could not apply"):
        tok("a long question " * 5, "c", truncation="only_second", max_length=8)
    with pytest.raises(ValueError, match="separator"):
        question_answering_global_attention_mask(np.array([[0, 5, 6], [0, 2, 6]]))
    with pytest.raises(ValueError, match="separator"):
        tok(["abc"], add_special_tokens=False, global_attention="qa")


def test_missing_vocabulary_and_hub_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="vocab.json"):
        LongformerTokenizer.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a directory"):
        LongformerTokenizer.from_pretrained(str(tmp_path / "missing" / "dir"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="huggingface_hub"):
            LongformerTokenizer.from_pretrained("allenai/longformer-base-4096")
    else:
        with pytest.raises(OSError, match="offline"):
            LongformerTokenizer.from_pretrained("allenai/longformer-base-4096", cache_dir=str(tmp_path / "hub"))


# ------------------------------------------------------------------ robustness
def _check_round_trip(tokenizer, text):
    batch = tokenizer(text, return_offsets_mapping=True)
    ids = batch["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert all(0 <= i < len(tokenizer) for i in ids)
    assert all(0 <= s <= e <= len(text) for s, e in batch["offset_mapping"])
    if not any(t in text for t in tokenizer.all_special_tokens):  # byte-level-safe: no special-token text
        assert tokenizer.decode(ids[1:-1]) == text


# 10,000 random strings: about 15 s on 2 shared CPU cores, so it stays in the default run.
@settings(max_examples=10_000, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_random_unicode_round_trip_10k(tok, text):
    _check_round_trip(tok, text)


# ------------------------------------------------------------------ live reference
def _reference():
    transformers = pytest.importorskip(
        "transformers", reason="transformers (the reference RobertaTokenizerFast) is not installed"
    )
    return transformers


@pytest.mark.reference
@pytest.mark.parametrize("name", sorted(n for n in CASES if not CASES[n].get("digest")))
def test_live_reference_from_vocab_files(name):
    transformers = _reference()
    case = CASES[name]
    ref = transformers.RobertaTokenizerFast(
        vocab_file=os.path.join(VOCAB_DIR, "vocab.json"),
        merges_file=os.path.join(VOCAB_DIR, "merges.txt"),
        **case.get("options", {}),
    )
    ours = LongformerTokenizer.from_pretrained(VOCAB_DIR, **case.get("options", {}))
    assert _outputs(ours, case) == _outputs(ref, case)


@pytest.mark.reference
def test_live_reference_loads_our_save_pretrained(tmp_path):
    transformers = _reference()
    with open(os.path.join(FIXTURES, "corpus.txt"), encoding="utf-8") as f:
        ours = LongformerTokenizer.train_new_from_iterator(f.read().splitlines(), vocab_size=600, model_max_length=64)
    ours.save_pretrained(tmp_path)
    texts = ["  Hello <mask> world ", "长文档 🤗\n\ttabs", "", "x" * 9]
    pairs = ["What?", "Who?", "", "y " * 80]
    kwargs = dict(
        truncation="only_second",
        max_length=32,
        stride=4,
        return_overflowing_tokens=True,
        padding=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    for cls in (transformers.RobertaTokenizerFast, transformers.LongformerTokenizerFast, transformers.AutoTokenizer):
        ref = cls.from_pretrained(str(tmp_path))
        assert ref.model_max_length == 64 and ref.mask_token_id == ours.mask_token_id
        assert {k: _plain(v) for k, v in ref(texts, pairs, **kwargs).items()} == {
            k: _plain(v) for k, v in ours(texts, pairs, **kwargs).items()
        }
        ids = ours(texts[0])["input_ids"]
        assert ref.decode(ids) == ours.decode(ids)
    slow = transformers.LongformerTokenizer.from_pretrained(str(tmp_path))
    assert slow(texts)["input_ids"] == ours(texts)["input_ids"]


@pytest.mark.reference
@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=120), st.text(max_size=120))
def test_live_reference_random_pairs(text, pair):
    transformers = _reference()
    ref = _live_ref(transformers)
    ours = LongformerTokenizer.from_pretrained(VOCAB_DIR)
    kwargs = dict(return_offsets_mapping=True, truncation="longest_first", max_length=24)
    assert {k: _plain(v) for k, v in ours(text, pair, **kwargs).items()} == {
        k: _plain(v) for k, v in ref(text, pair, **kwargs).items()
    }


_LIVE = {}


def _live_ref(transformers):
    if "ref" not in _LIVE:
        _LIVE["ref"] = transformers.RobertaTokenizerFast(
            vocab_file=os.path.join(VOCAB_DIR, "vocab.json"), merges_file=os.path.join(VOCAB_DIR, "merges.txt")
        )
    return _LIVE["ref"]
