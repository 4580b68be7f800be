"""In-graph pre-tokenization of byte-level BPE: added tokens, GPT-2's split, bytes (core TF ops only).

`pretokenize(texts, ...)` turns a batch of strings into *units*, flat over the batch: one per
UTF-8 byte of ordinary text, one per added token found in the text (`<s>`, `</s>`, `<mask>`,
...). Each unit records its text, whether it starts a *word* (a piece of GPT-2's
pre-tokenization regex, or an added token: BPE merges only inside words), and its character
span. This is what the `tokenizers` pipeline of `LongformerTokenizer` does before BPE:

1. Added tokens are split out first (leftmost match; `lstrip`/`rstrip` tokens also take the
   whitespace beside them, which then belongs to no token). The text between them is
   pre-tokenized piece by piece, each piece of text on its own (the regex restarts there).
2. GPT-2's regex `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`
   needs a look-ahead that RE2 lacks. It is computed instead from each character's class
   (whitespace, letter, number, other; see `unicode_classes`) and its neighbours':
   - a piece starts where the class changes between two non-space characters;
   - a whitespace run is one piece at the end of a text; before a non-space character its
     last character leaves the run: a plain space (U+0020) then starts the next word (` ?`),
     any other whitespace character is a piece of its own;
   - an apostrophe that starts a piece and is followed by `s t m d re ve ll` is a piece with
     them (a contraction), and the next character starts a new piece.
3. Each character becomes its UTF-8 bytes (byte-level BPE's alphabet).

Texts must be valid UTF-8 (an invalid byte fails the call, as `str` input cannot hold one).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

import tensorflow as tf

from tf_longformer.tokenization.unicode_classes import LETTER, NUMBER, WHITESPACE

#: Inserted around added tokens to split on them: 0xFF never occurs in valid UTF-8.
_MARK = b"\xff"
_WHITESPACE, _LETTER, _NUMBER, _OTHER = 0, 1, 2, 3
_CONTRACTIONS_2 = ("s", "t", "m", "d")  # 's 't 'm 'd
_CONTRACTIONS_3 = (("r", "e"), ("v", "e"), ("l", "l"))  # 're 've 'll


class AddedTokenPattern(NamedTuple):
    """An added token as the pre-tokenizer matches it: its text and whether it takes nearby whitespace."""

    content: str
    lstrip: bool = False
    rstrip: bool = False


class Units(NamedTuple):
    """The pre-tokenized batch, flat: one entry per byte of text or per added token found.

    Attributes:
        row: int32, the text each unit comes from (non-decreasing).
        byte: string, the unit's byte (empty for an added token).
        added_token: string, the added token's content (empty for a byte).
        word_start: bool, whether the unit starts a word (BPE merges only inside words).
        char_start, char_end: int32, the character (code point) span of the unit in its text:
            the whole character for each of its bytes; the token's own text for an added token.
    """

    row: tf.Tensor
    byte: tf.Tensor
    added_token: tf.Tensor
    word_start: tf.Tensor
    char_start: tf.Tensor
    char_end: tf.Tensor


def added_tokens_regex(tokens: Sequence[AddedTokenPattern]) -> str:
    """The RE2 pattern matching any added token (longest first), with its `lstrip`/`rstrip` whitespace."""
    if not tokens:
        raise ValueError("pretokenize needs at least one added token (the special tokens).")
    alternatives = [
        (f"{WHITESPACE}*" if token.lstrip else "")
        + re.escape(token.content)
        + (f"{WHITESPACE}*" if token.rstrip else "")
        for token in sorted(tokens, key=lambda token: -len(token.content))
    ]
    return "|".join(alternatives)


def _shift(values: tf.Tensor, offset: int, fill) -> tf.Tensor:
    """values[i - offset] (offset > 0: from the left; < 0: from the right), `fill` where out of range."""
    size = tf.shape(values)[0]
    padding = tf.fill([abs(offset)], tf.constant(fill, values.dtype))
    if offset > 0:
        return tf.concat([padding, values], 0)[:size]
    return tf.concat([values, padding], 0)[-offset:]


def _char_classes(chars: tf.Tensor) -> tf.Tensor:
    """int32 class of each character: whitespace, letter, number or other."""
    return tf.where(
        tf.strings.regex_full_match(chars, WHITESPACE),
        _WHITESPACE,
        tf.where(
            tf.strings.regex_full_match(chars, LETTER),
            _LETTER,
            tf.where(tf.strings.regex_full_match(chars, NUMBER), _NUMBER, _OTHER),
        ),
    )


def _piece_starts(chars: tf.Tensor, segment: tf.Tensor) -> tf.Tensor:
    """bool per character: whether it starts a piece of GPT-2's regex (see the module docstring).

    Args:
        chars: string [n], one character each, the characters of all text segments in order.
        segment: int [n], the segment of each character (the regex restarts at each segment).
    """
    classes = _char_classes(chars)
    first = tf.not_equal(segment, _shift(segment, 1, -1))
    last = tf.not_equal(segment, _shift(segment, -1, -1))
    space = tf.equal(classes, _WHITESPACE)
    previous_space = _shift(space, 1, False) & ~first
    previous_blank = _shift(tf.equal(chars, " "), 1, False) & ~first
    next_space = _shift(space, -1, False) & ~last
    class_change = tf.not_equal(classes, _shift(classes, 1, -1))

    starts = (
        first
        | (space & ~previous_space)  # a whitespace run starts
        | (space & ~last & ~next_space)  # its last character before a non-space leaves the run
        | (~space & previous_space & ~previous_blank)  # after a whitespace piece that is not " "
        | (~space & ~previous_space & class_change)  # letters, numbers, others: each run a piece
    )

    # Contractions: an apostrophe that starts a piece (not after "other" characters, which
    # it would extend, nor after the " " it would take), then s/t/m/d or re/ve/ll.
    previous_class = _shift(classes, 1, -1)
    opens = (
        first
        | tf.equal(previous_class, _LETTER)
        | tf.equal(previous_class, _NUMBER)
        | (previous_space & ~previous_blank)
    )
    next1 = tf.where(last, "", _shift(chars, -1, ""))
    next2 = tf.where(last | _shift(last, -1, True), "", _shift(chars, -2, ""))
    two = tf.reduce_any(tf.stack([tf.equal(next1, c) for c in _CONTRACTIONS_2]), axis=0)
    three = tf.reduce_any(tf.stack([tf.equal(next1, a) & tf.equal(next2, b) for a, b in _CONTRACTIONS_3]), axis=0)
    apostrophe = tf.equal(chars, "'") & opens
    two, three = apostrophe & two, apostrophe & three
    inside = _shift(two | three, 1, False) | _shift(three, 2, False)
    same_segment_after = lambda distance: tf.equal(segment, _shift(segment, distance, -1))  # noqa: E731
    after = (_shift(two, 2, False) & same_segment_after(2)) | (_shift(three, 3, False) & same_segment_after(3))
    return (starts & ~inside) | after


def pretokenize(texts: tf.Tensor, added_tokens: Sequence[AddedTokenPattern]) -> Units:
    """Splits `texts` (tf.string [batch]) into the units byte-level BPE works on (see `Units`)."""
    texts = tf.convert_to_tensor(texts, tf.string)
    marked = tf.strings.regex_replace(texts, added_tokens_regex(added_tokens), _MARK + rb"\0" + _MARK)
    segments = tf.strings.split(marked, sep=_MARK)  # text, added token, text, added token, ..., text
    segment_row = tf.cast(segments.value_rowids(), tf.int32)
    flat = segments.flat_values
    index_in_row = tf.range(tf.size(flat, out_type=tf.int32)) - tf.gather(
        tf.cast(segments.row_starts(), tf.int32), segment_row
    )
    is_added = tf.equal(index_in_row % 2, 1)

    # Added tokens: the token without the whitespace its lstrip/rstrip took.
    left_stripped = tf.strings.regex_replace(flat, f"^{WHITESPACE}+", "")
    content = tf.strings.regex_replace(left_stripped, f"{WHITESPACE}+$", "")
    segment_chars = tf.strings.length(flat, unit="UTF8_CHAR")
    leading = segment_chars - tf.strings.length(left_stripped, unit="UTF8_CHAR")
    content_chars = tf.strings.length(content, unit="UTF8_CHAR")
    before = tf.cumsum(segment_chars, exclusive=True)
    segment_offset = before - tf.gather(before, tf.gather(tf.cast(segments.row_starts(), tf.int32), segment_row))

    # Characters of every segment, then their bytes.
    chars = tf.strings.unicode_split(flat, "UTF-8", errors="strict")
    char_segment = tf.cast(chars.value_rowids(), tf.int32)
    char_values = chars.flat_values
    char_index = tf.range(tf.size(char_values, out_type=tf.int32)) - tf.gather(
        tf.cast(chars.row_starts(), tf.int32), char_segment
    )
    char_in_text = tf.gather(segment_offset, char_segment) + char_index
    starts = _piece_starts(char_values, char_segment)

    char_bytes = tf.strings.bytes_split(char_values)
    byte_char = tf.cast(char_bytes.value_rowids(), tf.int32)
    byte_first = tf.equal(
        tf.range(tf.size(char_bytes.flat_values, out_type=tf.int32)),
        tf.gather(tf.cast(char_bytes.row_starts(), tf.int32), byte_char),
    )
    byte_segment = tf.gather(char_segment, byte_char)
    byte_in_added = tf.gather(is_added, byte_segment)
    first_of_segment = byte_first & tf.equal(tf.gather(char_index, byte_char), 0)
    keep = ~byte_in_added | first_of_segment  # an added token: one unit, at its first byte

    byte_char, byte_segment = tf.boolean_mask(byte_char, keep), tf.boolean_mask(byte_segment, keep)
    added = tf.boolean_mask(byte_in_added, keep)
    word_start = tf.boolean_mask(byte_first, keep) & tf.gather(starts, byte_char)
    char_start = tf.where(
        added,
        tf.gather(segment_offset + leading, byte_segment),
        tf.gather(char_in_text, byte_char),
    )
    char_end = char_start + tf.where(added, tf.gather(content_chars, byte_segment), 1)
    return Units(
        row=tf.gather(segment_row, byte_segment),
        byte=tf.where(added, "", tf.boolean_mask(char_bytes.flat_values, keep)),
        added_token=tf.where(added, tf.gather(content, byte_segment), ""),
        word_start=word_start | added,
        char_start=char_start,
        char_end=char_end,
    )
