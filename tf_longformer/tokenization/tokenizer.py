"""`LongformerTokenizer`: RoBERTa's byte-level BPE on the `tokenizers` library."""

from __future__ import annotations

import os
import threading
from typing import Any, Iterable, Sequence

import numpy as np
from tokenizers import Tokenizer

from tf_longformer.tokenization import backend, files
from tf_longformer.tokenization.encoding import BatchEncoding, check_texts, flatten_rows, resolve_options, to_tensors
from tf_longformer.tokenization.global_attention import (
    classification_global_attention_mask,
    question_answering_global_attention_mask,
    resolve_kind,
    rows_global_attention_mask,
)
from tf_longformer.tokenization.windows import qa_windows


class LongformerTokenizer:
    """Byte-level BPE tokenizer of Longformer (the same as RoBERTa's), on the `tokenizers` library.

    Ids, attention masks and offsets are identical to the reference `LongformerTokenizerFast` /
    `RobertaTokenizerFast` (transformers 4.x), and `save_pretrained` writes files it can load.
    Single texts become `<s> A </s>`, pairs `<s> A </s></s> B </s>`; there are no token type ids.

    Args:
        tokenizer_object: a configured `tokenizers.Tokenizer` (usually built by `from_pretrained`,
            `from_files` or `train_new_from_iterator`).
        add_prefix_space: treat the text as if it started with a space, so its first word gets the
            same ids as inside a sentence (required with `is_split_into_words=True`).
        trim_offsets: leave the leading space out of the character offsets of each token.
        model_max_length: the longest input the model takes (4096 for the base checkpoints); used
            when truncation or `padding="max_length"` is asked for without `max_length`. None: no limit.
        bos_token: the first token (`<s>`, also the classifier token).
        eos_token: the last token (`</s>`, also the separator).
        unk_token: the unknown token.
        pad_token: the padding token.
        mask_token: the masked-LM mask token.

    Example:
        >>> tok = LongformerTokenizer.from_pretrained("path/to/tokenizer")     # doctest: +SKIP
        >>> batch = tok(["What is it?"], ["A long document ..."], truncation="only_second",
        ...             max_length=4096, padding=True, return_tensors="tf",
        ...             global_attention="question_answering")                  # doctest: +SKIP
    """

    model_input_names = ["input_ids", "attention_mask"]
    padding_side = "right"

    def __init__(
        self,
        tokenizer_object: Tokenizer,
        *,
        add_prefix_space: bool = False,
        trim_offsets: bool = True,
        model_max_length: int | None = None,
        bos_token: str = "<s>",
        eos_token: str = "</s>",
        unk_token: str = "<unk>",
        pad_token: str = "<pad>",
        mask_token: str = "<mask>",
    ) -> None:
        if not isinstance(tokenizer_object, Tokenizer):
            raise ValueError(
                f"tokenizer_object must be a tokenizers.Tokenizer. Received: {type(tokenizer_object).__name__}"
            )
        self._special = {
            "bos_token": bos_token,
            "eos_token": eos_token,
            "unk_token": unk_token,
            "pad_token": pad_token,
            "mask_token": mask_token,
        }
        for attribute, content in self._special.items():
            if tokenizer_object.token_to_id(content) is None:
                raise ValueError(f"{attribute}={content!r} is not in the vocabulary.")
        self.add_prefix_space = bool(add_prefix_space)
        self.trim_offsets = bool(trim_offsets)
        self.model_max_length = model_max_length
        self._tokenizer = tokenizer_object
        backend.configure(self._tokenizer, self._special, self.add_prefix_space, self.trim_offsets)
        self._lock = threading.Lock()  # truncation/padding are set on the shared backend per call

    # ----------------------------------------------------------------------------- construction
    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike, *, revision: str | None = None, cache_dir: str | None = None, **overrides: Any
    ) -> "LongformerTokenizer":
        """Loads a directory holding `tokenizer.json` or `vocab.json` + `merges.txt`, or a Hub id.

        `tokenizer_config.json` / `special_tokens_map.json`, when present, give the special tokens,
        `add_prefix_space`, `trim_offsets` and `model_max_length`; keyword arguments override them.
        A Hub id (e.g. `"allenai/longformer-base-4096"`) is downloaded with `huggingface_hub`.
        """
        directory = files.resolve_directory(path, revision=revision, cache_dir=cache_dir)
        config = files.read_json(os.path.join(directory, files.TOKENIZER_CONFIG_FILE))
        special_map = files.read_json(os.path.join(directory, files.SPECIAL_TOKENS_MAP_FILE))
        kwargs: dict[str, Any] = {}
        for attribute, default in backend.DEFAULT_SPECIAL_TOKENS.items():
            kwargs[attribute] = files.token_content(config.get(attribute, special_map.get(attribute))) or default
        kwargs["model_max_length"] = files.model_max_length(config.get("model_max_length"))
        for option in ("add_prefix_space", "trim_offsets"):
            if option in config:
                kwargs[option] = bool(config[option])
        kwargs.update(overrides)
        tokenizer_file = os.path.join(directory, files.TOKENIZER_FILE)
        if os.path.isfile(tokenizer_file):
            tokenizer = Tokenizer.from_file(tokenizer_file)
            for option, default in (("add_prefix_space", False), ("trim_offsets", True)):
                kwargs.setdefault(option, backend.byte_level_option(tokenizer, option, default))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            return cls(tokenizer, **kwargs)
        return cls.from_files(
            os.path.join(directory, files.VOCAB_FILE), os.path.join(directory, files.MERGES_FILE), **kwargs
        )

    @classmethod
    def from_files(cls, vocab_file: str, merges_file: str, **kwargs: Any) -> "LongformerTokenizer":
        """Builds the tokenizer from a RoBERTa/GPT-2 style `vocab.json` and `merges.txt`."""
        special = {a: kwargs.get(a, d) for a, d in backend.DEFAULT_SPECIAL_TOKENS.items()}
        return cls(backend.from_bpe_files(os.fspath(vocab_file), os.fspath(merges_file), special), **kwargs)

    @classmethod
    def train_new_from_iterator(
        cls,
        texts: Iterable[str] | Iterable[list[str]],
        vocab_size: int,
        *,
        min_frequency: int = 2,
        length: int | None = None,
        **kwargs: Any,
    ) -> "LongformerTokenizer":
        """Trains a new byte-level BPE vocabulary with the RoBERTa special tokens (ids 0-4).

        Args:
            texts: an iterable of strings, or of lists of strings (batches: faster).
            vocab_size: size of the vocabulary, special tokens and the 256 byte symbols included.
            min_frequency: a pair must appear this often to be merged.
            length: number of items in `texts`, for progress estimates only.
            **kwargs: constructor options (`add_prefix_space`, `model_max_length`, special tokens).
        """
        if not isinstance(vocab_size, int) or vocab_size < 261:
            raise ValueError(
                f"vocab_size must be an int >= 261 (5 special tokens + 256 bytes). Received: vocab_size={vocab_size!r}"
            )
        special = {a: kwargs.get(a, d) for a, d in backend.DEFAULT_SPECIAL_TOKENS.items()}
        return cls(backend.train(texts, vocab_size, special, min_frequency=min_frequency, length=length), **kwargs)

    def save_pretrained(self, directory: str | os.PathLike) -> tuple[str, ...]:
        """Writes tokenizer.json, vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json.

        The reference `LongformerTokenizerFast.from_pretrained(directory)` (and the slow
        `LongformerTokenizer`, from vocab.json + merges.txt) load the result.
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        with self._lock:
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
            self._tokenizer.save(os.path.join(directory, files.TOKENIZER_FILE))
            self._tokenizer.model.save(directory)
        files.write_configs(
            directory,
            self._special,
            self._tokenizer.get_added_tokens_decoder(),
            add_prefix_space=self.add_prefix_space,
            trim_offsets=self.trim_offsets,
            model_max_length=self.model_max_length,
        )
        return tuple(os.path.join(directory, name) for name in files.ALL_FILES)

    # ----------------------------------------------------------------------------- encoding
    def __call__(
        self,
        text: str | Sequence[str] | Sequence[Sequence[str]],
        text_pair: str | Sequence[str] | None = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        stride: int = 0,
        pad_to_multiple_of: int | None = None,
        is_split_into_words: bool = False,
        return_tensors: str | None = None,
        return_attention_mask: bool = True,
        return_offsets_mapping: bool = False,
        return_special_tokens_mask: bool = False,
        return_overflowing_tokens: bool = False,
        return_length: bool = False,
        global_attention: str | None = None,
    ) -> BatchEncoding:
        """Tokenizes a text, a batch of texts, or (batches of) pairs, with the reference's options.

        Args:
            text: a str, a list of str, or with `is_split_into_words=True` a list of words (or a
                batch of them). For QA, the questions.
            text_pair: the second text(s) of each pair, e.g. the QA contexts.
            add_special_tokens: add `<s>`/`</s>` around the text(s).
            padding: `True`/`"longest"` (to the longest row), `"max_length"`, or `False`.
            truncation: `True`/`"longest_first"`, `"only_first"`, `"only_second"` (QA: cut the
                context), or `False`. None: truncate only when `max_length` is given without padding.
            max_length: length limit for truncation and `padding="max_length"` (special tokens included).
            stride: with `return_overflowing_tokens`, how many tokens consecutive windows share.
            pad_to_multiple_of: round the padded length up to a multiple of this (e.g. the
                attention window).
            is_split_into_words: the input is already split into words (needs `add_prefix_space`).
            return_tensors: `"tf"` (tf.Tensor) or `"np"` (NumPy), both int32; None: Python lists.
            return_attention_mask, return_offsets_mapping, return_special_tokens_mask, return_length:
                add these keys. Offsets are (start, end) character spans; (0, 0) for special tokens.
            return_overflowing_tokens: instead of dropping what truncation cuts, return it as extra
                rows (sliding windows of `max_length` sharing `stride` tokens), plus
                `overflow_to_sample_mapping` giving the input index of each row.
            global_attention: also return `global_attention_mask` (int32): `"question_answering"`
                (alias `"qa"`: `<s>` and the question, i.e. every token before the first `</s>`)
                or `"classification"` (token 0).

        Returns:
            A `BatchEncoding` (a dict). For a single text without `return_tensors` or overflow,
            the values are not batched, as in the reference.
        """
        if not isinstance(text, (list, tuple)) and text_pair == "":
            text_pair = None  # as the reference: a single call with an empty pair encodes the text alone
        texts, pairs, batched = check_texts(text, text_pair, is_split_into_words)
        if is_split_into_words and not self.add_prefix_space:
            raise ValueError("is_split_into_words=True needs a tokenizer made with add_prefix_space=True.")
        if return_tensors not in (None, "np", "tf"):
            raise ValueError(f"return_tensors must be 'tf', 'np' or None. Received: return_tensors={return_tensors!r}")
        kind = resolve_kind(global_attention) if global_attention is not None else None
        options = resolve_options(
            padding,
            truncation,
            max_length,
            stride,
            pad_to_multiple_of,
            self.model_max_length,
            self.num_special_tokens_to_add(pair=pairs is not None) if add_special_tokens else 0,
            pairs is not None,
        )
        inputs = list(zip(texts, pairs)) if pairs is not None else texts
        encodings = self._encode(inputs, options, add_special_tokens, is_split_into_words)
        rows, sample = flatten_rows(encodings, return_overflowing_tokens)

        data: dict[str, Any] = {"input_ids": [r.ids for r in rows]}
        if return_attention_mask:
            data["attention_mask"] = [r.attention_mask for r in rows]
        if return_special_tokens_mask:
            data["special_tokens_mask"] = [r.special_tokens_mask for r in rows]
        if return_offsets_mapping:
            data["offset_mapping"] = [r.offsets for r in rows]
        if return_length:
            data["length"] = [len(r.ids) for r in rows]
        if return_overflowing_tokens:
            data["overflow_to_sample_mapping"] = sample
        if kind is not None:
            data["global_attention_mask"] = rows_global_attention_mask(data["input_ids"], kind, self.sep_token_id)

        if return_tensors is not None:
            data = {
                k: (
                    np.asarray(v, np.int32)
                    if k in ("length", "overflow_to_sample_mapping")
                    else to_tensors(v, k, return_tensors)
                )
                for k, v in data.items()
            }
            if return_tensors == "tf":
                import tensorflow as tf

                data = {k: tf.constant(v) if isinstance(v, np.ndarray) else v for k, v in data.items()}
        elif not batched and not return_overflowing_tokens:
            data = {k: v[0] for k, v in data.items()}
        return BatchEncoding(data, rows)

    def _encode(self, inputs: list[Any], options: Any, add_special_tokens: bool, is_pretokenized: bool) -> list[Any]:
        tok = self._tokenizer
        with self._lock:
            if options.truncation == "do_not_truncate":
                tok.no_truncation()
            else:
                tok.enable_truncation(options.max_length, stride=options.stride, strategy=options.truncation)
            if options.padding == "do_not_pad":
                tok.no_padding()
            else:
                tok.enable_padding(
                    pad_id=self.pad_token_id,
                    pad_token=self.pad_token,
                    pad_type_id=0,
                    length=options.max_length if options.padding == "max_length" else None,
                    pad_to_multiple_of=options.pad_to_multiple_of,
                )
            try:
                return tok.encode_batch(inputs, add_special_tokens=add_special_tokens, is_pretokenized=is_pretokenized)
            except BaseException as error:  # the Rust side raises Exception, or panics (PanicException)
                if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
                    raise
                raise ValueError(
                    f"tokenizers could not apply truncation={options.truncation!r}, max_length={options.max_length}, "
                    f"stride={options.stride}: {str(error).splitlines()[0]} "
                    "(with only_second, max_length must leave room for the first text, the special tokens "
                    "and the stride)."
                ) from None
            finally:
                tok.no_truncation()
                tok.no_padding()

    def encode(self, text: str, text_pair: str | None = None, **kwargs: Any) -> list[int]:
        """The ids of one text (or pair), with the options of `__call__`."""
        return list(self(text, text_pair, **kwargs)["input_ids"])

    def tokenize(self, text: str, text_pair: str | None = None, add_special_tokens: bool = False) -> list[str]:
        """The BPE tokens (byte-level strings such as `"Ġworld"`) of a text or pair."""
        check_texts(text, text_pair, False)
        return self._tokenizer.encode(text, text_pair, add_special_tokens=add_special_tokens).tokens

    def question_answering_global_attention_mask(self, input_ids: Any) -> Any:
        """int32 mask with 1 on `<s>` and the question tokens (every token before the first `</s>`)."""
        return question_answering_global_attention_mask(input_ids, self.sep_token_id)

    def classification_global_attention_mask(self, input_ids: Any) -> Any:
        """int32 mask with 1 on token 0 of every row."""
        return classification_global_attention_mask(input_ids)

    def encode_qa_windows(
        self,
        questions: str | Sequence[str],
        contexts: str | Sequence[str],
        *,
        max_length: int = 4096,
        stride: int = 128,
        pad_to_multiple_of: int | None = None,
        return_tensors: str | None = "np",
    ) -> BatchEncoding:
        """Sliding windows over contexts longer than the model, for extractive QA.

        Each (question, context) pair becomes one or more rows `<s> question </s></s> window </s>`
        of at most `max_length` tokens, consecutive windows sharing `stride` context tokens, padded
        to `max_length` (or to the longest row rounded to `pad_to_multiple_of` when that is given).

        Returns:
            `input_ids`, `attention_mask`, `global_attention_mask` (question answering),
            `offset_mapping` (character spans into the context; (0, 0) outside it),
            `context_mask` (1 on context tokens: where answers may start or end) and
            `overflow_to_sample_mapping` (the pair each row comes from).
        """
        return qa_windows(
            self,
            questions,
            contexts,
            max_length=max_length,
            stride=stride,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
        )

    # ----------------------------------------------------------------------------- decoding
    def decode(self, token_ids: Any, skip_special_tokens: bool = False) -> str:
        """Text of a sequence of ids (list, NumPy array or tf.Tensor)."""
        return self._tokenizer.decode(_id_list(token_ids), skip_special_tokens=skip_special_tokens)

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False) -> list[str]:
        """`decode` for every row of a batch."""
        rows = sequences.numpy() if hasattr(sequences, "numpy") else sequences
        return self._tokenizer.decode_batch([_id_list(r) for r in rows], skip_special_tokens=skip_special_tokens)

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Ids of tokens; unknown tokens get `unk_token_id`."""
        if isinstance(tokens, str):
            token_id = self._tokenizer.token_to_id(tokens)
            return self.unk_token_id if token_id is None else token_id
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> str | list[str]:
        """Tokens of ids (byte-level strings such as `"Ġworld"`)."""
        if isinstance(ids, (int, np.integer)):
            return self._tokenizer.id_to_token(int(ids))
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._tokenizer.id_to_token(i) for i in _id_list(ids) if i not in special]

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Joins byte-level tokens back into text."""
        return self._tokenizer.decoder.decode(list(tokens))

    # ----------------------------------------------------------------------------- vocabulary
    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The underlying `tokenizers.Tokenizer`."""
        return self._tokenizer

    @property
    def vocab_size(self) -> int:
        """Size of the BPE vocabulary (without tokens added on top of it)."""
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def get_vocab(self) -> dict[str, int]:
        """Token -> id, added tokens included."""
        return self._tokenizer.get_vocab(with_added_tokens=True)

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """2 for `<s> A </s>`, 4 for `<s> A </s></s> B </s>`."""
        return 4 if pair else 2

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """Adds `<s>`/`</s>` around ids, as the reference does."""
        ids = [self.cls_token_id] + list(token_ids_0) + [self.sep_token_id]
        return ids if token_ids_1 is None else ids + [self.sep_token_id] + list(token_ids_1) + [self.sep_token_id]

    bos_token = property(lambda self: self._special["bos_token"], doc="`<s>`, the start token.")
    eos_token = property(lambda self: self._special["eos_token"], doc="`</s>`, the end token.")
    unk_token = property(lambda self: self._special["unk_token"], doc="`<unk>`.")
    pad_token = property(lambda self: self._special["pad_token"], doc="`<pad>`.")
    mask_token = property(lambda self: self._special["mask_token"], doc="`<mask>`, for masked-LM.")
    cls_token = property(lambda self: self._special["bos_token"], doc="`<s>`, the classifier token.")
    sep_token = property(lambda self: self._special["eos_token"], doc="`</s>`, the separator.")
    bos_token_id = property(lambda self: self._tokenizer.token_to_id(self.bos_token))
    eos_token_id = property(lambda self: self._tokenizer.token_to_id(self.eos_token))
    unk_token_id = property(lambda self: self._tokenizer.token_to_id(self.unk_token))
    pad_token_id = property(lambda self: self._tokenizer.token_to_id(self.pad_token))
    mask_token_id = property(lambda self: self._tokenizer.token_to_id(self.mask_token))
    cls_token_id = property(lambda self: self._tokenizer.token_to_id(self.cls_token))
    sep_token_id = property(lambda self: self._tokenizer.token_to_id(self.sep_token))

    @property
    def all_special_tokens(self) -> list[str]:
        """The distinct special tokens."""
        return list(dict.fromkeys(self._special.values()))

    @property
    def all_special_ids(self) -> list[int]:
        """Ids of the distinct special tokens."""
        return [self._tokenizer.token_to_id(t) for t in self.all_special_tokens]

    def __repr__(self) -> str:
        return (
            f"LongformerTokenizer(vocab_size={len(self)}, model_max_length={self.model_max_length}, "
            f"add_prefix_space={self.add_prefix_space}, trim_offsets={self.trim_offsets})"
        )


def _id_list(token_ids: Any) -> list[int]:
    if hasattr(token_ids, "numpy"):
        token_ids = token_ids.numpy()
    if isinstance(token_ids, (int, np.integer)):
        return [int(token_ids)]
    return [int(i) for i in np.asarray(token_ids).reshape(-1)]


LongformerTokenizerFast = LongformerTokenizer
