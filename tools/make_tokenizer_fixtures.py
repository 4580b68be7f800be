"""Builds tests/fixtures/tokenizer/: a small byte-level BPE vocabulary and the reference's outputs.

Run with the reference install (transformers 4.x; torch only for the global-attention cases):

    /work/refvenv/bin/python tools/make_tokenizer_fixtures.py

The script is deterministic and does not import tf_longformer: it trains the vocabulary with the
`tokenizers` library directly (byte-level BPE, RoBERTa special tokens) on a corpus it generates,
then loads that vocabulary into the reference `RobertaTokenizerFast` *from vocab.json + merges.txt*
(the reference's own slow-to-fast conversion) and records ids, attention masks, offsets,
special-token masks and overflow mappings for the tricky inputs. Outputs of the very
long cases are stored as SHA-256 digests of their JSON, so the fixtures stay a few dozen KB.
"""

from __future__ import annotations

import hashlib
import json
import os
import random

from tokenizers import Tokenizer, models, pre_tokenizers, trainers

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tokenizer"))
SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
VOCAB_SIZE = 1000

_SENTENCES = [
    "Longformer is a transformer for long documents.",
    "Its attention grows linearly with the sequence length instead of quadratically.",
    "Each token attends to a sliding window of neighbours, and a few tokens attend globally.",
    "For question answering, the question tokens get global attention.",
    "For classification, the first token gets global attention.",
    "The model was pretrained from a RoBERTa checkpoint with positions copied to 4,096.",
    "Byte-level BPE never needs an unknown token: every byte has an id.",
    "Café, naïve, résumé, façade and Ångström keep their accents.",
    "长文档变换器可以处理很长的文本。",
    "東京は日本の首都です。한국어 문장도 있습니다.",
    "Emoji such as 🤗 🚀 and 👍🏽 are split into bytes.",
    "Tabs\tand\nnewlines   and  double  spaces matter.",
    "What is the capital of France? Paris is the capital of France.",
    "The quick brown fox jumps over the lazy dog, again and again, in 1999 and 2024.",
]


def corpus(seed: int = 0, lines: int = 120) -> list[str]:
    """The training text: the sentences above, shuffled into deterministic paragraphs."""
    rng = random.Random(seed)
    return [" ".join(rng.sample(_SENTENCES, 4)) for _ in range(lines)]


LONG_BASE = " ".join(_SENTENCES) + "\n\n"
LONG_LENGTH = 100_000

SINGLES = [
    "Hello world",
    "  two leading spaces",
    "trailing spaces   ",
    "multiple    inner   spaces",
    "line\nbreak\n\nand\ttabs\t",
    "\r\nwindows line end\r\n",
    "café naïve résumé Ångström",
    "e\u0301 decomposed accent",
    "长文档变换器 Longformer 是一种模型",
    "東京 한국어 Русский العربية",
    "emoji 🤗🚀👍🏽",
    "family 👨\u200d👩\u200d👧\u200d👦 zwj",
    "zero\u200bwidth\u200cnon\u200djoiner",
    "a" * 300,
    "Supercalifragilisticexpialidocious" * 8,
    "",
    " ",
    "     ",
    "\n\t \n",
    "Hello <mask> world <s> and </s>",
    "ctrl \x00\x01\x7f chars \u2028 sep",
]

PAIRS = [
    ("What is Longformer?", "Longformer is a transformer for long documents."),
    ("  spaced   question ", " context with\ttabs\nand lines "),
    ("", "empty question"),
    ("emoji? 🤗", "长文档变换器可以处理很长的文本。"),
]

CASES = [
    {"name": "singles_plain", "text": SINGLES, "kwargs": {}},
    {
        "name": "singles_offsets",
        "text": SINGLES,
        "kwargs": {"return_offsets_mapping": True, "return_special_tokens_mask": True},
    },
    {
        "name": "singles_no_special",
        "text": SINGLES,
        "kwargs": {"add_special_tokens": False, "return_offsets_mapping": True},
    },
    {
        "name": "singles_pad_longest",
        "text": SINGLES[:6],
        "kwargs": {"padding": "longest", "return_offsets_mapping": True},
    },
    {
        "name": "singles_pad_max_length",
        "text": SINGLES[:3],
        "kwargs": {"padding": "max_length", "max_length": 24, "truncation": True},
    },
    {"name": "singles_pad_multiple", "text": SINGLES[:5], "kwargs": {"padding": True, "pad_to_multiple_of": 8}},
    {
        "name": "singles_truncate",
        "text": SINGLES,
        "kwargs": {"truncation": True, "max_length": 7, "return_offsets_mapping": True},
    },
    {
        "name": "single_overflow_stride",
        "text": [SINGLES[13], SINGLES[11]],
        "kwargs": {
            "truncation": True,
            "max_length": 10,
            "stride": 3,
            "return_overflowing_tokens": True,
            "padding": True,
            "return_offsets_mapping": True,
        },
    },
    {"name": "one_string", "text": "Hello world, one string", "kwargs": {"return_offsets_mapping": True}},
    {
        "name": "pairs_plain",
        "text": [p[0] for p in PAIRS],
        "text_pair": [p[1] for p in PAIRS],
        "kwargs": {"return_offsets_mapping": True, "return_special_tokens_mask": True},
    },
    {
        "name": "pairs_longest_first",
        "text": [p[0] for p in PAIRS],
        "text_pair": [p[1] for p in PAIRS],
        "kwargs": {"truncation": "longest_first", "max_length": 12, "padding": "max_length"},
    },
    {
        "name": "pairs_only_second",
        "text": [p[0] for p in PAIRS],
        "text_pair": [p[1] for p in PAIRS],
        "kwargs": {"truncation": "only_second", "max_length": 14, "padding": True, "return_offsets_mapping": True},
    },
    {
        "name": "pairs_only_first",
        "text": [p[1] for p in PAIRS],
        "text_pair": [p[0] for p in PAIRS],
        "kwargs": {"truncation": "only_first", "max_length": 16},
    },
    {
        "name": "pairs_qa_overflow",
        "text": [p[0] for p in PAIRS[:2]],
        "text_pair": [LONG_BASE[:600], PAIRS[1][1] * 6],
        "kwargs": {
            "truncation": "only_second",
            "max_length": 32,
            "stride": 8,
            "return_overflowing_tokens": True,
            "return_offsets_mapping": True,
            "padding": "max_length",
        },
    },
    {"name": "long_document", "text": "@long", "kwargs": {"return_offsets_mapping": True}, "digest": True},
    {
        "name": "long_document_4096",
        "text": ["@long"],
        "kwargs": {"truncation": True, "max_length": 4096, "padding": "max_length", "return_offsets_mapping": True},
        "digest": True,
    },
    {
        "name": "long_document_qa_windows",
        "text": ["What is Longformer?"],
        "text_pair": ["@long"],
        "kwargs": {
            "truncation": "only_second",
            "max_length": 4096,
            "stride": 256,
            "return_overflowing_tokens": True,
            "padding": True,
            "return_offsets_mapping": True,
        },
        "digest": True,
    },
    {
        "name": "prefix_space",
        "options": {"add_prefix_space": True},
        "text": SINGLES[:12],
        "kwargs": {"return_offsets_mapping": True},
    },
    {
        "name": "no_trim_offsets",
        "options": {"trim_offsets": False},
        "text": SINGLES[:12],
        "kwargs": {"return_offsets_mapping": True},
    },
]


def _resolve(text):
    if text == "@long":
        return (LONG_BASE * (LONG_LENGTH // len(LONG_BASE) + 1))[:LONG_LENGTH]
    if isinstance(text, list):
        return [_resolve(t) for t in text]
    return text


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def digest(value) -> str:
    """SHA-256 of the compact JSON of a (nested) list; tests compute the same on their output."""
    return hashlib.sha256(json.dumps(_plain(value), separators=(",", ":")).encode()).hexdigest()


def train_vocabulary(out_dir: str) -> None:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    tokenizer.model.save(out_dir)


def main() -> None:
    import tokenizers
    import transformers
    from transformers import RobertaTokenizerFast

    os.makedirs(OUT, exist_ok=True)
    vocab_dir = os.path.join(OUT, "vocab")
    os.makedirs(vocab_dir, exist_ok=True)
    train_vocabulary(vocab_dir)
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(corpus()) + "\n")

    def reference(**options):
        return RobertaTokenizerFast(
            vocab_file=os.path.join(vocab_dir, "vocab.json"),
            merges_file=os.path.join(vocab_dir, "merges.txt"),
            **options,
        )

    cases = []
    for case in CASES:
        ref = reference(**case.get("options", {}))
        args = [_resolve(case["text"])]
        if "text_pair" in case:
            args.append(_resolve(case["text_pair"]))
        encoded = ref(*args, **case["kwargs"])
        expected = {key: _plain(value) for key, value in encoded.items()}
        record = dict(case)
        if case.get("digest"):
            lengths = expected["input_ids"]
            record["lengths"] = (
                [len(x) for x in lengths] if lengths and isinstance(lengths[0], list) else [len(lengths)]
            )
            expected = {key: digest(value) for key, value in expected.items()}
        record["expected"] = expected
        cases.append(record)

    # decode: ids -> text, with and without special tokens.
    ref = reference()
    decode_cases = []
    for text in SINGLES + [p[0] + " " + p[1] for p in PAIRS]:
        ids = ref(text)["input_ids"]
        decode_cases.append(
            {"ids": ids, "text": ref.decode(ids), "skip_special": ref.decode(ids, skip_special_tokens=True)}
        )

    # The reference model's automatic global attention for a QA batch (tokens before the first </s>).
    global_cases = {}
    try:
        import torch
        from transformers.models.longformer.modeling_longformer import _compute_global_attention_mask

        batch = ref([p[0] for p in PAIRS], [p[1] for p in PAIRS], padding=True, return_tensors="pt")
        global_cases = {
            "input_ids": batch["input_ids"].tolist(),
            "qa_global_attention_mask": _compute_global_attention_mask(batch["input_ids"], ref.sep_token_id)
            .long()
            .tolist(),
        }
        del torch
    except ImportError:
        print("torch not installed: skipping the global-attention fixture")

    fixture = {
        "generated_by": "tools/make_tokenizer_fixtures.py",
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "long_document": {"base": LONG_BASE, "length": LONG_LENGTH},
        "cases": cases,
        "decode": decode_cases,
        "global_attention": global_cases,
    }
    with open(os.path.join(OUT, "reference_outputs.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
