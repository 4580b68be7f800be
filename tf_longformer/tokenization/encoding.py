"""Argument checking for `LongformerTokenizer.__call__` and the `BatchEncoding` it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from tf_longformer.structures import register_dict_structure

PADDING_STRATEGIES = ("longest", "max_length", "do_not_pad")
TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")
TENSOR_TYPES = ("np", "tf")


@register_dict_structure
class BatchEncoding(dict):
    """The tokenizer's output: a dict of model inputs, plus the `tokenizers` encodings behind it.

    Keys are also attributes (`batch.input_ids`). `sequence_ids(i)` / `word_ids(i)` tell, for each
    token of row `i`, which text (0 = first, 1 = pair, None = special/padding) and which word it
    came from, and `char_to_token(i, c)` which token holds a character, as in the reference.
    """

    def __init__(self, data: Any, encodings: list[Any] | None = None) -> None:
        super().__init__(data)
        self.encodings = encodings

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """Per token of row `batch_index`: 0 for the first text, 1 for the pair, None otherwise."""
        return self._encoding(batch_index).sequence_ids

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """Per token of row `batch_index`: the index of the word it belongs to, None for specials."""
        return self._encoding(batch_index).word_ids

    def char_to_token(self, batch_index: int, char_index: int | None = None, sequence_index: int = 0) -> int | None:
        """The token of row `batch_index` holding character `char_index` of text `sequence_index`
        (0: the first text, 1: the pair), or None (a space between tokens, or cut off), as in the
        reference; with one argument, that character of row 0."""
        if char_index is None:
            batch_index, char_index = 0, batch_index
        return self._encoding(batch_index).char_to_token(char_index, sequence_index)

    def _encoding(self, batch_index: int) -> Any:
        if not self.encodings:
            raise ValueError("sequence_ids/word_ids/char_to_token need the encodings; this BatchEncoding has none.")
        return self.encodings[batch_index]


@dataclass(frozen=True)
class CallOptions:
    """Resolved padding/truncation options of one call."""

    padding: str
    truncation: str
    max_length: int | None
    stride: int
    pad_to_multiple_of: int | None


def resolve_options(
    padding: bool | str | None,
    truncation: bool | str | None,
    max_length: int | None,
    stride: int,
    pad_to_multiple_of: int | None,
    model_max_length: int | None,
    num_special_tokens: int,
    is_pair: bool,
) -> CallOptions:
    """Maps the reference's padding/truncation arguments to strategies and checks them."""
    if padding is True:
        padding = "longest"
    elif padding is False or padding is None:
        padding = "do_not_pad"
    if padding not in PADDING_STRATEGIES:
        raise ValueError(f"padding must be True, False, or one of {PADDING_STRATEGIES}. Received: padding={padding!r}")
    if truncation is None:
        # As the reference: max_length alone (without padding) means truncation.
        truncation = "longest_first" if max_length is not None and padding == "do_not_pad" else "do_not_truncate"
    elif truncation is True:
        truncation = "longest_first"
    elif truncation is False:
        truncation = "do_not_truncate"
    if truncation not in TRUNCATION_STRATEGIES:
        raise ValueError(
            f"truncation must be True, False, or one of {TRUNCATION_STRATEGIES}. Received: truncation={truncation!r}"
        )
    if truncation in ("only_first", "only_second") and not is_pair:
        raise ValueError(
            f"truncation={truncation!r} needs text pairs (text_pair); use truncation=True for single texts."
        )
    if max_length is not None and (not isinstance(max_length, (int, np.integer)) or isinstance(max_length, bool)):
        raise ValueError(f"max_length must be a positive int or None. Received: max_length={max_length!r}")
    needs_length = truncation != "do_not_truncate" or padding == "max_length"
    if max_length is None and needs_length:
        max_length = model_max_length
        if max_length is None:
            raise ValueError(
                f"padding={padding!r} / truncation={truncation!r} need max_length, and this tokenizer has no "
                "model_max_length. Pass max_length=..."
            )
    if max_length is not None and needs_length and max_length < max(num_special_tokens, 1):
        what = "a pair needs 4 special tokens (<s> A </s></s> B </s>)" if is_pair else "a text needs 2 (<s> A </s>)"
        raise ValueError(f"max_length={max_length} is too small: {what}.")
    if not isinstance(stride, (int, np.integer)) or isinstance(stride, bool) or stride < 0:
        raise ValueError(f"stride must be an int >= 0. Received: stride={stride!r}")
    if stride and truncation != "do_not_truncate" and stride >= max_length - num_special_tokens:
        raise ValueError(
            f"stride={stride} must be smaller than max_length minus the special tokens "
            f"({max_length} - {num_special_tokens} = {max_length - num_special_tokens})."
        )
    if pad_to_multiple_of is not None:
        if (
            not isinstance(pad_to_multiple_of, (int, np.integer))
            or isinstance(pad_to_multiple_of, bool)
            or pad_to_multiple_of < 1
        ):
            raise ValueError(
                "pad_to_multiple_of must be a positive int or None. "
                f"Received: pad_to_multiple_of={pad_to_multiple_of!r}"
            )
        if truncation != "do_not_truncate" and padding != "do_not_pad" and max_length % pad_to_multiple_of:
            raise ValueError(
                f"max_length={max_length} must be a multiple of pad_to_multiple_of={pad_to_multiple_of} "
                "when both truncation and padding are on."
            )
    return CallOptions(padding, truncation, max_length if needs_length else None, int(stride), pad_to_multiple_of)


def check_texts(text: Any, text_pair: Any, is_split_into_words: bool) -> tuple[list[Any], list[Any] | None, bool]:
    """Returns (texts, pairs or None, is_batched) and rejects anything that is not text."""

    def is_single(value: Any) -> bool:
        if is_split_into_words:
            return (
                isinstance(value, (list, tuple))
                and all(isinstance(w, str) for w in value)
                and (len(value) == 0 or not isinstance(value[0], (list, tuple)))
            )
        return isinstance(value, str)

    if is_split_into_words:
        batched = isinstance(text, (list, tuple)) and len(text) > 0 and isinstance(text[0], (list, tuple))
    else:
        batched = isinstance(text, (list, tuple))
    texts = list(text) if batched else [text]
    for index, value in enumerate(texts):
        if not is_single(value):
            expected = "a list of words (is_split_into_words=True)" if is_split_into_words else "a str"
            raise ValueError(
                f"text must be {expected} or a list of them; item {index} is {type(value).__name__}: {value!r:.80}"
            )
    if text_pair is None:
        return texts, None, batched
    pairs = list(text_pair) if batched and isinstance(text_pair, (list, tuple)) else [text_pair]
    if batched and not isinstance(text_pair, (list, tuple)):
        raise ValueError(
            f"text is a batch of {len(texts)}, so text_pair must be a list too. Received: {type(text_pair).__name__}"
        )
    if len(pairs) != len(texts):
        raise ValueError(
            f"text and text_pair must have the same length. Received: {len(texts)} texts and {len(pairs)} pairs"
        )
    for index, value in enumerate(pairs):
        if not is_single(value):
            raise ValueError(
                f"text_pair item {index} must be text like `text`; it is {type(value).__name__}: {value!r:.80}"
            )
    return texts, pairs, batched


def to_tensors(values: list[Any], name: str, return_tensors: str) -> Any:
    """Stacks equal-length rows into an int32 np array or tf.Tensor."""
    lengths = {len(row) for row in values}
    if len(lengths) > 1:
        raise ValueError(
            f"cannot return tensors: rows of {name!r} have different lengths ({min(lengths)} to {max(lengths)}). "
            "Pass padding=True (or padding='max_length') together with return_tensors."
        )
    array = np.asarray(values, dtype=np.int32)
    if not values:
        array = array.reshape((0, 0, 2) if name == "offset_mapping" else (0, 0))
    if return_tensors == "tf":
        import tensorflow as tf

        return tf.constant(array)
    return array


def flatten_rows(encodings: Sequence[Any], with_overflow: bool) -> tuple[list[Any], list[int]]:
    """Each encoding followed by its overflow windows, and the input index of every row."""
    rows, sample = [], []
    for index, encoding in enumerate(encodings):
        group = [encoding] + (list(encoding.overflowing) if with_overflow else [])
        rows.extend(group)
        sample.extend([index] * len(group))
    return rows, sample
