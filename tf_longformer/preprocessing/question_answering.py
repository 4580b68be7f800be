"""`LongformerQuestionAnsweringPreprocessor`: (question, context) strings to a QA model's inputs,
and SQuAD-style answers (a character start and the answer's text) to token positions, in the graph."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf_longformer.ops import auto_global
from tf_longformer.preprocessing.base import LongformerPreprocessor, checked_texts
from tf_longformer.tokenization.tokenizer import LongformerTokenizer
from tf_longformer.tokenization.windows import checked_stride


def answer_positions(encoded: dict[str, tf.Tensor], answer_start: Any, answer_text: Any) -> dict[str, tf.Tensor]:
    """Token positions of each answer in `encoded` (`GraphTokenizer.encode_pairs`' output).

    The start is the first context token that ends after the answer's first character, the end
    the first that ends at or after its last one: a span that starts or ends on a character of a
    token lands on that token (the first, where byte-level BPE cuts one character into several),
    as `char_to_token` says. An answer not
    wholly inside the context that truncation kept gets (0, 0), the `<s>` token: the reference's
    rule for training on cut-off answers.
    """
    start_char = tf.cast(tf.reshape(answer_start, [-1]), tf.int32)
    end_char = start_char + tf.strings.length(tf.reshape(answer_text, [-1]), unit="UTF8_CHAR")
    context = tf.equal(encoded["context_mask"], 1)
    length = tf.shape(context)[1]
    positions = tf.range(length)[tf.newaxis, :]
    token_starts, token_ends = encoded["offsets"][..., 0], encoded["offsets"][..., 1]
    first = tf.reduce_min(tf.where(context, positions, length), axis=1)
    last = tf.reduce_max(tf.where(context, positions, -1), axis=1)
    kept_from = tf.gather(token_starts, tf.minimum(first, length - 1), batch_dims=1)
    kept_to = tf.gather(token_ends, tf.maximum(last, 0), batch_dims=1)
    inside = (last >= 0) & (kept_from <= start_char) & (kept_to >= end_char)
    start = tf.reduce_min(tf.where(context & (token_ends > start_char[:, tf.newaxis]), positions, length), axis=1)
    end = tf.reduce_min(tf.where(context & (token_ends >= end_char[:, tf.newaxis]), positions, length), axis=1)
    return {"start_positions": tf.where(inside, start, 0), "end_positions": tf.where(inside, end, 0)}


@keras.saving.register_keras_serializable(package="tf_longformer")
class LongformerQuestionAnsweringPreprocessor(LongformerPreprocessor):
    """(question, context) pairs in, a QA model's inputs out; answers to token positions.

    The inputs are those of `LongformerTokenizer(questions, contexts, truncation="only_second",
    max_length=sequence_length, padding=True, global_attention="question_answering")`:
    `<s> question </s></s> context </s>`, the context truncated to fit, padded to the batch's
    longest row, global attention on the question. Core TensorFlow ops only, for
    `tf.data.Dataset.map` and serving; the tokenizer is saved as assets of a `.keras` file.

    Args:
        tokenizer: the `LongformerTokenizer` the layer carries (None only while Keras rebuilds
            the layer from a file).
        sequence_length: the longest row (default: the tokenizer's `model_max_length`).
        stride: None to truncate a long context (`truncation="only_second"`); an int to cut it
            into overlapping windows instead, as `LongformerTokenizer.encode_qa_windows(...,
            stride=stride)` does: a pair then gives one row per window, its answer (and sample
            weight) repeated on each, with the positions of that window ((0, 0) where the
            window does not hold the answer).
        **kwargs: Keras layer arguments.

    Call arguments:
        - `x`: a dict with `question` and `context`, each a `[batch]` of strings (tensor, NumPy
          array or list).
        - `y`: optional SQuAD-style answers, a dict with `answer_start` (the character where the
          answer begins in the context) and `answer_text`; they become `start_positions` and
          `end_positions` (see `answer_positions`).
        - `sample_weight`: passed through unchanged.

    Returns:
        `x` as a dict of int32 `[batch, length]` tensors (`input_ids`, `attention_mask`,
        `global_attention_mask`), or `(x, y)` / `(x, y, sample_weight)` with `y` the positions.

    Example:
        >>> preprocessor = LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=4096)  # doctest: +SKIP
        >>> rows = {"question": questions, "context": contexts}
        >>> answers = {"answer_start": starts, "answer_text": answer_texts}
        >>> dataset = tf.data.Dataset.from_tensor_slices((rows, answers)).batch(4).map(preprocessor)
        >>> qa_model.fit(dataset)
    """

    def __init__(
        self,
        tokenizer: LongformerTokenizer | None = None,
        sequence_length: int | None = None,
        stride: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(tokenizer, sequence_length, **kwargs)
        if stride is not None and (isinstance(stride, bool) or not isinstance(stride, int) or stride < 0):
            raise ValueError(f"stride must be None (truncate the context) or an int >= 0. Received: {stride!r}")
        if stride is not None and self.sequence_length is not None:
            checked_stride(stride, self.sequence_length)  # windows too small for it: refused now, not per batch
        self.stride = stride

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stride": self.stride}

    def call(self, x: dict[str, Any], y: Any = None, sample_weight: Any = None) -> Any:
        if not isinstance(x, dict) or set(x) != {"question", "context"}:
            received = sorted(x) if isinstance(x, dict) else type(x).__name__
            raise ValueError(f"The preprocessor takes a dict with 'question' and 'context'; received {received}.")
        if y is not None and (not isinstance(y, dict) or not {"answer_start", "answer_text"} <= set(y)):
            raise ValueError("The answers are a dict with 'answer_start' (characters) and 'answer_text'.")
        questions, contexts = checked_texts(x["question"], "questions"), checked_texts(x["context"], "contexts")
        if self.stride is None:
            encoded = self.graph_tokenizer.encode_pairs(questions, contexts)
        else:  # more rows than pairs: the labels follow their pair to each of its windows
            encoded = self.graph_tokenizer.encode_pair_windows(questions, contexts, self.stride)
            sample = encoded["overflow_to_sample_mapping"]
            y = None if y is None else {name: tf.gather(tf.convert_to_tensor(y[name]), sample) for name in y}
            sample_weight = None if sample_weight is None else tf.gather(sample_weight, sample)
        inputs = {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "global_attention_mask": auto_global.question_answering_global_mask(
                encoded["input_ids"], self.graph_tokenizer.sep_token_id
            ),
        }
        if y is not None:
            y = answer_positions(encoded, y["answer_start"], y["answer_text"])
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)

    def compute_output_spec(self, x: Any, y: Any = None, sample_weight: Any = None) -> Any:
        batch = x["question"].shape[0] if len(x["question"].shape) else 1
        inputs = self.input_specs(batch)
        if y is not None:
            y = {name: keras.KerasTensor((batch,), dtype="int32") for name in ("start_positions", "end_positions")}
        return keras.utils.pack_x_y_sample_weight(inputs, y, sample_weight)
