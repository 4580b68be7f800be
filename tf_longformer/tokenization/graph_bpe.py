"""`GraphTokenizer`: `LongformerTokenizer`'s byte-level BPE as a TensorFlow graph, core ops only.

Strings in, padded int32 `input_ids`, `attention_mask` and character `offsets` out, equal to
`LongformerTokenizer(texts, truncation=True, max_length=..., return_offsets_mapping=True)`
(and to the reference tokenizer) on every valid UTF-8 input. It is made of `tf.strings`,
`tf.lookup.StaticHashTable` and a `tf.while_loop`: no tensorflow-text and no `py_function`,
so a SavedModel holding it loads wherever TensorFlow does, TF Serving's binary included.

>>> graph_tokenizer = GraphTokenizer.from_tokenizer(tokenizer, max_length=4096)   # doctest: +SKIP
>>> graph_tokenizer.encode(tf.constant(["some text"]))["input_ids"]             # doctest: +SKIP

The pipeline: added tokens and GPT-2's pre-tokenization split (`graph_pretokenize`), bytes to
vocabulary ids, then BPE over all words of the batch at once: each pass merges, in every word,
the adjacent pair of lowest merge rank (all its non-overlapping occurrences, leftmost first),
until no word holds a mergeable pair. Offsets are trimmed as RoBERTa's post-processor does
(`trim_offsets=True`: a token's leading and trailing spaces are left out of its span).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import tensorflow as tf

from tf_longformer.tokenization.graph_pretokenize import AddedTokenPattern, pretokenize

_STRING_BATCH = tf.TensorSpec([None], tf.string)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map of the 256 byte values to printable characters (byte-level BPE's alphabet)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    return mapping


def _static_table(keys: list, values: list, key_dtype: tf.DType, default: int) -> tf.lookup.StaticHashTable:
    initializer = tf.lookup.KeyValueTensorInitializer(
        tf.constant(keys, key_dtype), tf.constant(values, tf.int64), key_dtype, tf.int64
    )
    return tf.lookup.StaticHashTable(initializer, default_value=default)


def _check_pipeline(state: Mapping[str, Any], tokenizer: Any) -> None:
    """Refuses tokenizer pipelines the graph does not reproduce (ValueError, before any table is built)."""
    model = state.get("model") or {}
    pre = state.get("pre_tokenizer") or {}
    problems = []
    if model.get("type") != "BPE" or model.get("dropout") or model.get("ignore_merges") or model.get("byte_fallback"):
        problems.append("a BPE model without dropout, ignore_merges or byte_fallback")
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        problems.append("no subword prefix or suffix")
    if state.get("normalizer") is not None:
        problems.append("no normalizer")
    if pre.get("type") != "ByteLevel" or not pre.get("use_regex", True):
        problems.append("the ByteLevel pre-tokenizer with GPT-2's regex")
    if tokenizer.add_prefix_space or not tokenizer.trim_offsets:
        problems.append("add_prefix_space=False and trim_offsets=True")
    if any(token.get("single_word") for token in state.get("added_tokens", [])):
        problems.append("no single_word added tokens")
    if problems:
        raise ValueError(f"GraphTokenizer reproduces RoBERTa's byte-level BPE; it needs {', '.join(problems)}.")


class GraphTokenizer(tf.Module):
    """Byte-level BPE (RoBERTa's, Longformer's) in a TensorFlow graph, with `<s> ... </s>` and truncation.

    Build it with `from_tokenizer`. `encode` and `encode_pairs` are `tf.function`s over a
    `tf.string [batch]`; their outputs are int32 and padded to the longest row:
    `input_ids` (with `pad_token_id`), `attention_mask`, `offsets` [batch, length, 2] (each
    token's character span in its own text; (0, 0) for the special tokens added around it).

    Args:
        vocab: token -> id, the added tokens included.
        merges: the BPE merges, in rank order, as (left, right) token pairs.
        added_tokens: the added tokens (the special ones at least) as the text may contain them.
        max_length: the longest output row, special tokens included.
        cls_token_id, sep_token_id, pad_token_id: ids of `<s>`, `</s>`, `<pad>`.
    """

    def __init__(
        self,
        vocab: Mapping[str, int],
        merges: Sequence[tuple[str, str]],
        added_tokens: Sequence[AddedTokenPattern],
        *,
        max_length: int,
        cls_token_id: int,
        sep_token_id: int,
        pad_token_id: int,
    ) -> None:
        super().__init__(name="graph_tokenizer")
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
            raise ValueError(f"max_length must be an int >= 2 (room for <s> and </s>). Received: {max_length!r}")
        byte_symbols = bytes_to_unicode()
        missing = [symbol for symbol in byte_symbols.values() if symbol not in vocab]
        if missing:
            raise ValueError(f"The vocabulary lacks byte-level symbols {missing[:10]}: not a byte-level BPE.")
        self.max_length = max_length
        self.cls_token_id, self.sep_token_id, self.pad_token_id = cls_token_id, sep_token_id, pad_token_id
        self._added_tokens = tuple(added_tokens)
        self._width = max(vocab.values()) + 1  # ids are packed as first * width + second
        width = self._width
        packed_merges: dict[int, int] = {}
        for rank, (left, right) in enumerate(merges):  # a repeated pair keeps its first (lowest) rank
            packed_merges.setdefault(vocab[left] * width + vocab[right], rank * width + vocab[left + right])
        self._merges = _static_table(list(packed_merges), list(packed_merges.values()), tf.int64, -1)
        self._bytes = _static_table(
            [bytes([byte]) for byte in byte_symbols], [vocab[s] for s in byte_symbols.values()], tf.string, -1
        )
        self._added = _static_table(
            [token.content for token in added_tokens], [vocab[token.content] for token in added_tokens], tf.string, -1
        )

    @classmethod
    def from_tokenizer(cls, tokenizer: Any, *, max_length: int | None = None) -> "GraphTokenizer":
        """The graph form of a `LongformerTokenizer` (max_length default: its `model_max_length`).

        Raises:
            ValueError: a tokenizer pipeline this graph does not reproduce (see `_check_pipeline`),
                or no `max_length` anywhere.
        """
        state = json.loads(tokenizer.backend_tokenizer.to_str())
        _check_pipeline(state, tokenizer)
        max_length = tokenizer.model_max_length if max_length is None else max_length
        if max_length is None:
            raise ValueError("Pass max_length: the tokenizer has no model_max_length.")
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in state["model"]["merges"]]
        added = [
            AddedTokenPattern(token["content"], bool(token.get("lstrip")), bool(token.get("rstrip")))
            for token in state.get("added_tokens", [])
        ]
        return cls(
            tokenizer.get_vocab(),
            merges,
            added,
            max_length=max_length,
            cls_token_id=tokenizer.cls_token_id,
            sep_token_id=tokenizer.sep_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )

    # ------------------------------------------------------------------------------ tokens
    def _merge(self, symbols: tf.Tensor, word: tf.Tensor, start: tf.Tensor, end: tf.Tensor, words: tf.Tensor):
        """One BPE pass: in each word, merges every non-overlapping occurrence of its lowest-rank pair."""
        width = tf.constant(self._width, tf.int64)
        packed = self._merges.lookup(symbols[:-1] * width + symbols[1:])
        mergeable = tf.equal(word[:-1], word[1:]) & (packed >= 0)
        rank = tf.where(mergeable, packed // width, tf.int64.max)
        lowest = tf.math.unsorted_segment_min(rank, word[:-1], words)
        candidate = mergeable & tf.equal(rank, tf.gather(lowest, word[:-1]))
        # Runs of candidates (the same pair repeated, "x x x"): every other one from the left.
        positions = tf.range(tf.size(candidate, out_type=tf.int32))
        previous = tf.concat([[False], candidate[:-1]], 0)
        run_first = candidate & ~previous
        run_starts = tf.concat([tf.boolean_mask(positions, run_first), [0]], 0)  # [0]: when there is none
        run_start = tf.gather(run_starts, tf.maximum(tf.cumsum(tf.cast(run_first, tf.int32)) - 1, 0))
        chosen = candidate & tf.equal((positions - run_start) % 2, 0)
        chosen_full = tf.concat([chosen, [False]], 0)
        keep = ~tf.concat([[False], chosen], 0)
        symbols = tf.where(chosen_full, tf.concat([packed % width, [0]], 0), symbols)
        end = tf.where(chosen_full, tf.concat([end[1:], [0]], 0), end)
        return (
            tf.boolean_mask(symbols, keep),
            tf.boolean_mask(word, keep),
            tf.boolean_mask(start, keep),
            tf.boolean_mask(end, keep),
            tf.reduce_any(chosen),
        )

    def _bpe(self, symbols: tf.Tensor, word: tf.Tensor):
        """(symbols, first unit, end unit) after every merge, for units' symbol ids and word ids."""
        start = tf.range(tf.size(symbols, out_type=tf.int32))
        words = tf.size(symbols)  # an upper bound of the word ids

        def body(symbols, word, start, end, _):
            return self._merge(symbols, word, start, end, words)

        symbols, _, start, end, _ = tf.while_loop(
            lambda *state: state[-1],
            body,
            (symbols, word, start, start + 1, tf.size(symbols) > 1),  # no pair, no pass
            shape_invariants=(tf.TensorShape([None]),) * 4 + (tf.TensorShape([]),),
        )
        return symbols, start, end

    def tokenize(self, texts: tf.Tensor) -> tuple[tf.RaggedTensor, tf.RaggedTensor]:
        """Token ids (int32 [batch, (tokens)]) and trimmed character offsets ([batch, (tokens), 2]),
        without special tokens added or truncation."""
        units = pretokenize(texts, self._added_tokens)
        symbols = tf.where(
            tf.equal(units.added_token, ""), self._bytes.lookup(units.byte), self._added.lookup(units.added_token)
        )
        word = tf.cumsum(tf.cast(units.word_start, tf.int32)) - 1
        symbols, start, end = self._bpe(symbols, word)

        # RoBERTa's trim_offsets: leading/trailing spaces (bytes 0x20) leave the token's span.
        units_count = tf.size(units.byte, out_type=tf.int32)
        not_space = tf.cast(tf.where(tf.not_equal(units.byte, b" "))[:, 0], tf.int32)
        after = tf.concat([not_space, [units_count]], 0)
        before = tf.concat([[-1], not_space], 0)
        first_not_space = tf.gather(after, tf.searchsorted(not_space[tf.newaxis], start[tf.newaxis])[0])
        last_not_space = tf.gather(before, tf.searchsorted(not_space[tf.newaxis], end[tf.newaxis] - 1, "right")[0])
        length = end - start
        leading = tf.minimum(first_not_space - start, length)
        trailing = tf.minimum(end - 1 - last_not_space, length)
        char_start = tf.gather(units.char_start, start)
        char_end = tf.gather(units.char_end, end - 1)
        trimmed_start = tf.minimum(char_start + leading, char_end)
        trimmed_end = tf.where(char_end >= trailing, tf.maximum(char_end - trailing, trimmed_start), char_end)

        rows = tf.gather(units.row, start)  # int32 row splits throughout: oneDNN logs int64 ops
        batch = tf.shape(texts, out_type=tf.int32)[0]
        ids = tf.RaggedTensor.from_value_rowids(tf.cast(symbols, tf.int32), rows, nrows=batch)
        offsets = tf.RaggedTensor.from_value_rowids(tf.stack([trimmed_start, trimmed_end], -1), rows, nrows=batch)
        return ids, offsets

    # ------------------------------------------------------------------------------ model inputs
    def _special(self, rows: tf.Tensor, *ids: int) -> tuple[tf.RaggedTensor, tf.RaggedTensor]:
        """Special tokens `ids` for every row, and their spans (0, 0), as ragged columns."""
        spans = tf.zeros([rows, len(ids), 2], tf.int32)
        return (
            tf.RaggedTensor.from_tensor(tf.tile(tf.constant([ids], tf.int32), [rows, 1]), row_splits_dtype=tf.int32),
            tf.RaggedTensor.from_tensor(spans, row_splits_dtype=tf.int32),
        )

    def _padded(self, ids: tf.RaggedTensor, offsets: tf.RaggedTensor) -> dict[str, tf.Tensor]:
        return {
            "input_ids": ids.to_tensor(self.pad_token_id),
            "attention_mask": tf.ones_like(ids).to_tensor(0),
            "offsets": offsets.to_tensor(0),
        }

    @tf.function(input_signature=[_STRING_BATCH])
    def encode(self, texts: tf.Tensor) -> dict[str, tf.Tensor]:
        """`<s> text </s>`, truncated to `max_length` tokens (as `truncation=True`), padded."""
        ids, offsets = self.tokenize(texts)
        keep = self.max_length - 2
        rows = tf.shape(texts)[0]
        cls, cls_spans = self._special(rows, self.cls_token_id)
        sep, sep_spans = self._special(rows, self.sep_token_id)
        return self._padded(
            concat_rows([cls, ids[:, :keep], sep]), concat_rows([cls_spans, offsets[:, :keep], sep_spans])
        )

    @tf.function(input_signature=[_STRING_BATCH, _STRING_BATCH])
    def encode_pairs(self, questions: tf.Tensor, contexts: tf.Tensor) -> dict[str, tf.Tensor]:
        """`<s> question </s></s> context </s>`, the context truncated to fit `max_length`
        (as `truncation="only_second"`), padded; also `context_mask` (int32, 1 on context tokens).

        Offsets are each token's span in its own text: the question's tokens in the question,
        the context's in the context. A question that leaves no room for one context token
        (when the pair is too long) fails the call, as the Python tokenizer raises.
        """
        question_ids, question_spans, context_ids, context_spans = self._tokenized_pairs(questions, contexts)
        question_length, context_length = question_ids.row_lengths(), context_ids.row_lengths()
        room = self.max_length - 4 - question_length
        fits = question_length + context_length + 4 <= self.max_length
        tf.debugging.Assert(
            tf.reduce_all(fits | (room >= 1)),
            [
                f"A question is too long to leave room for the context in max_length={self.max_length} tokens "
                "(truncation only_second). Question lengths (tokens):",
                question_length,
            ],
        )
        keep = (
            tf.ragged.range(context_length, row_splits_dtype=tf.int32)
            < tf.where(fits, context_length, room)[:, tf.newaxis]
        )
        return self._pairs(
            question_ids,
            question_spans,
            tf.ragged.boolean_mask(context_ids, keep),
            tf.ragged.boolean_mask(context_spans, keep),
        )

    @tf.function(input_signature=[_STRING_BATCH, _STRING_BATCH, tf.TensorSpec([], tf.int32)])
    def encode_pair_windows(self, questions: tf.Tensor, contexts: tf.Tensor, stride: tf.Tensor) -> dict[str, tf.Tensor]:
        """`encode_pairs` with overlapping windows over the context instead of truncation, as
        `LongformerTokenizer.encode_qa_windows` cuts them (the `tokenizers` overflow rule).

        Each pair becomes rows `<s> question </s></s> window </s>` of at most `max_length` tokens;
        its windows start every `room - stride` context tokens (`room`: what the question leaves)
        until one reaches the end of the context, so consecutive windows share `stride` tokens.
        Also `overflow_to_sample_mapping` (int32 [rows]: the pair each row comes from).
        """
        question_ids, question_spans, context_ids, context_spans = self._tokenized_pairs(questions, contexts)
        room = self.max_length - 4 - question_ids.row_lengths()
        context_length = context_ids.row_lengths()
        tf.debugging.Assert(
            tf.reduce_all(room > stride),
            [
                f"stride must be smaller than the context tokens a window holds (max_length={self.max_length} less "
                "the question and 4 special tokens). Room per pair:",
                room,
            ],
        )
        step = room - stride
        windows = 1 + tf.maximum(0, (context_length - room + step - 1) // step)
        sample = tf.repeat(tf.range(question_ids.nrows(out_type=tf.int32)), windows)
        start = tf.ragged.range(windows, row_splits_dtype=tf.int32).values * tf.gather(step, sample)
        end = tf.minimum(start + tf.gather(room, sample), tf.gather(context_length, sample))
        first = tf.gather(context_ids.row_splits[:-1], sample)
        positions = tf.ragged.range(first + start, first + end, row_splits_dtype=tf.int32)
        encoded = self._pairs(
            tf.gather(question_ids, sample),
            tf.gather(question_spans, sample),
            tf.gather(context_ids.values, positions),
            tf.gather(context_spans.values, positions),
        )
        encoded["overflow_to_sample_mapping"] = sample
        return encoded

    def _tokenized_pairs(self, questions: tf.Tensor, contexts: tf.Tensor) -> tuple[tf.RaggedTensor, ...]:
        """Token ids and spans of the questions, then of the contexts (ragged, one row a pair)."""
        rows = tf.shape(questions)[0]
        ids, offsets = self.tokenize(tf.concat([questions, contexts], 0))
        return ids[:rows], offsets[:rows], ids[rows:], offsets[rows:]

    def _pairs(
        self,
        question_ids: tf.RaggedTensor,
        question_spans: tf.RaggedTensor,
        context_ids: tf.RaggedTensor,
        context_spans: tf.RaggedTensor,
    ) -> dict[str, tf.Tensor]:
        """`<s> question </s></s> context </s>` rows, padded, with `context_mask`."""
        rows = question_ids.nrows(out_type=tf.int32)
        cls, cls_spans = self._special(rows, self.cls_token_id)
        seps, seps_spans = self._special(rows, self.sep_token_id, self.sep_token_id)
        sep, sep_spans = self._special(rows, self.sep_token_id)
        encoded = self._padded(
            concat_rows([cls, question_ids, seps, context_ids, sep]),
            concat_rows([cls_spans, question_spans, seps_spans, context_spans, sep_spans]),
        )
        context_mask = concat_rows(
            [
                tf.zeros_like(cls),
                tf.zeros_like(question_ids),
                tf.zeros_like(seps),
                tf.ones_like(context_ids),
                tf.zeros_like(sep),
            ]
        )
        encoded["context_mask"] = context_mask.to_tensor(0)
        return encoded


def concat_rows(parts: list[tf.RaggedTensor]) -> tf.RaggedTensor:
    """`tf.concat(parts, axis=1)` for ragged [rows, (n_i), ...] tensors with int32 row splits.

    TensorFlow's ragged concatenation along axis 1 interleaves the parts' rows with an int32
    `Transpose`, an op oneDNN's graph pass logs an error line for on every process's first call
    ("oneDNN supports DT_INT32 only on platforms with AVX-512"). Here every part's values are
    put end to end and one gather reads them back row by row.
    """
    values = tf.concat([part.values for part in parts], 0)
    part_offsets = tf.cumsum(tf.stack([tf.shape(part.values, tf.int32)[0] for part in parts]), exclusive=True)
    # [rows, parts]: where each row's piece of each part starts in `values`, and its length.
    starts = tf.stack([part.row_splits[:-1] for part in parts], 1) + part_offsets
    lengths = tf.stack([part.row_lengths() for part in parts], 1)
    flat_starts, flat_lengths = tf.reshape(starts, [-1]), tf.reshape(lengths, [-1])
    positions = tf.ragged.range(flat_starts, flat_starts + flat_lengths, row_splits_dtype=tf.int32).values
    return tf.RaggedTensor.from_row_lengths(tf.gather(values, positions), tf.reduce_sum(lengths, 1))
