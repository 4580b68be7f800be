"""The `tokenizers` pipeline of RoBERTa/Longformer: byte-level BPE, `<s> A </s></s> B </s>`."""

from __future__ import annotations

import json
from typing import Iterable

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

# Names of the special tokens, in the order (and hence with the ids) RoBERTa's vocabulary uses.
SPECIAL_TOKEN_ATTRIBUTES = ("bos_token", "pad_token", "eos_token", "unk_token", "mask_token")
DEFAULT_SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "pad_token": "<pad>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "mask_token": "<mask>",
}


def added_token(attribute: str, content: str) -> AddedToken:
    """The special token as the reference declares it (`<mask>` strips the space on its left)."""
    if attribute == "mask_token":
        return AddedToken(content, lstrip=True, rstrip=False, normalized=False, special=True)
    return AddedToken(content, lstrip=False, rstrip=False, normalized=True, special=True)


def from_bpe_files(vocab_file: str, merges_file: str, special_tokens: dict[str, str]) -> Tokenizer:
    """Builds the pipeline from vocab.json + merges.txt, as the reference's RoBERTa converter does."""
    model = models.BPE.from_file(
        vocab_file, merges_file, dropout=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False
    )
    return _with_pipeline(Tokenizer(model), special_tokens)


def _with_pipeline(tokenizer: Tokenizer, special_tokens: dict[str, str]) -> Tokenizer:
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    seen = set()
    for attribute in SPECIAL_TOKEN_ATTRIBUTES:
        content = special_tokens[attribute]
        if content not in seen:
            seen.add(content)
            tokenizer.add_special_tokens([added_token(attribute, content)])
    configure(tokenizer, special_tokens, add_prefix_space=False, trim_offsets=True)
    return tokenizer


def configure(tokenizer: Tokenizer, special_tokens: dict[str, str], add_prefix_space: bool, trim_offsets: bool) -> None:
    """Sets the prefix-space / trim-offsets options and the separator ids on an existing pipeline."""
    pre = json.loads(tokenizer.pre_tokenizer.__getstate__()) if tokenizer.pre_tokenizer is not None else {}
    if pre.get("type") == "ByteLevel":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(
            add_prefix_space=add_prefix_space, use_regex=pre.get("use_regex", True)
        )
    sep, cls = special_tokens["eos_token"], special_tokens["bos_token"]
    tokenizer.post_processor = processors.RobertaProcessing(
        (sep, tokenizer.token_to_id(sep)),
        (cls, tokenizer.token_to_id(cls)),
        trim_offsets=trim_offsets,
        add_prefix_space=add_prefix_space,
    )


def byte_level_option(tokenizer: Tokenizer, name: str, default: bool) -> bool:
    """Reads `add_prefix_space` / `trim_offsets` from a loaded tokenizer.json pipeline."""
    for component in (tokenizer.post_processor, tokenizer.pre_tokenizer):
        if component is not None:
            state = json.loads(component.__getstate__())
            if name in state:
                return bool(state[name])
    return default


def train(
    texts: Iterable[str] | Iterable[list[str]],
    vocab_size: int,
    special_tokens: dict[str, str],
    min_frequency: int = 2,
    length: int | None = None,
) -> Tokenizer:
    """Trains a byte-level BPE with the special tokens first (ids 0..4 for the defaults)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    ordered = list(dict.fromkeys(special_tokens[a] for a in SPECIAL_TOKEN_ATTRIBUTES))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=ordered,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer, length=length)
    return _with_pipeline(tokenizer, special_tokens)
