"""`serving_text`: a SavedModel signature that takes strings and tokenizes inside the graph.

With it a TF Serving client sends text, not token ids: the export carries the tokenizer as a
`GraphTokenizer` (byte-level BPE in core TensorFlow ops; see `tokenization/graph_bpe.py`), so
the SavedModel needs nothing but TensorFlow, and ids and offsets equal `LongformerTokenizer`'s.

| head | inputs (`tf.string [batch]`) | outputs besides the head's own |
|---|---|---|
| `LongformerModel`, masked LM, sequence / token classification | `text` | `input_ids`, `offsets` |
| question answering | `question`, `context` | those, `answer`, `answer_start`, `answer_end`, `answer_score`, `windows`|

- `input_ids` (int32 [batch, length]): what the model saw, `<s> text </s>` truncated to
  `max_length` as `truncation=True` does, padded with `pad_token_id` to the longest row.
- `offsets` (int32 [batch, length, 2]): each token's character (code point) span in its own
  text, leading spaces excluded: the question's tokens in the question, the context's in the
  context; (0, 0) for special tokens and padding.
- Question answering reads a context of any length: a pair whose tokens exceed `max_length`
  becomes overlapping windows `<s> question </s></s> window </s>` that share `stride` context
  tokens, as `LongformerTokenizer.encode_qa_windows` cuts them, and every window of the
  request runs in one batch. `answer` (tf.string), `answer_start`, `answer_end` (int32,
  character offsets into the whole context, `answer == context[answer_start:answer_end]`)
  and `answer_score` are the best span over the windows (`ops.answer_span`, the rule
  `Predictor.predict` follows); `windows` (int32) says how many were read; `input_ids`,
  `offsets`, `start_logits` and `end_logits` are those of the window the answer comes from.
  An empty context gives "" at (0, 0). (A head adds outputs of its own with
  `text_signature_outputs`; its `spec.text_inputs` names the inputs.)
- A request is refused (an `InvalidArgumentError` naming the limit, before the model runs)
  when its rows times their padded length exceed `max_request_tokens`: a bounded request
  cannot run the server out of memory.
- Global attention follows each head's automatic rule (the question for QA, `<s>` for
  sequence classification; none for the others), as `serving_auto_global` does.

Multiple choice has no `serving_text` (its `spec.text_inputs` is None): each example there is a question with a list of
choices, whose length a string signature of fixed rank cannot carry (`[batch, num_choices]`
strings would force every request to the same number of choices and gives TF Serving's JSON
no natural shape for them); its clients keep the id signatures.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import tensorflow as tf

from tf_longformer.export.signatures import ExportError, as_float32, head_spec
from tf_longformer.tokenization.graph_bpe import GraphTokenizer
from tf_longformer.tokenization.tokenizer import LongformerTokenizer
from tf_longformer.tokenization.windows import checked_stride

TEXT_SIGNATURE = "serving_text"
#: The default `max_request_tokens`: this many rows of `max_length` tokens.
REQUEST_ROWS = 8
_SPECIAL_IDS = (("cls_token_id", "bos_token_id"), ("sep_token_id", "sep_token_id"), ("pad_token_id", "pad_token_id"))


class TextSignature(NamedTuple):
    """The traced `serving_text` function and the tokenizer module it reads (to track on the saved object)."""

    function: tf.types.experimental.ConcreteFunction
    tokenizer: GraphTokenizer


def _checked_max_length(model: Any, max_length: int | None, minimum: int) -> int:
    limit = model.config.max_sequence_length
    if max_length is None:
        return limit
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not minimum <= max_length <= limit:
        raise ExportError(
            f"`max_length` must be an int from {minimum} to {limit} (what the model's positions allow). "
            f"Received: max_length={max_length!r}"
        )
    return max_length


def checked_request_tokens(max_request_tokens: int | None, max_length: int) -> int:
    """`max_request_tokens` (default: `REQUEST_ROWS` rows of `max_length`), or ValueError unless
    it is an int of at least `max_length` (one full row)."""
    if max_request_tokens is None:
        return REQUEST_ROWS * max_length
    if (
        isinstance(max_request_tokens, bool)
        or not isinstance(max_request_tokens, int)
        or max_request_tokens < max_length
    ):
        raise ValueError(
            f"`max_request_tokens` must be an int of at least max_length={max_length} (one full row). "
            f"Received: max_request_tokens={max_request_tokens!r}"
        )
    return max_request_tokens


def request_too_large(max_request_tokens: int) -> str:
    """The error of a request over `max_request_tokens`."""
    return (
        f"The request is larger than this model runs at once ({max_request_tokens} tokens: rows times their "
        "padded length, question-answering windows included). Send fewer or shorter texts, or raise "
        "max_request_tokens."
    )


def request_size_check(input_ids: tf.Tensor, max_request_tokens: int) -> tf.Operation:
    """An assertion that the rows of `input_ids` times their length stay within `max_request_tokens`."""
    rows, length = tf.shape(input_ids)[0], tf.shape(input_ids)[1]
    return tf.debugging.Assert(
        rows * length <= max_request_tokens,
        [request_too_large(max_request_tokens) + " Rows, length:", rows, length],
    )


def check_tokenizer(model: Any, tokenizer: Any) -> None:
    """Raises `ExportError` unless `tokenizer` is a `LongformerTokenizer` whose ids fit `model`."""
    if not isinstance(tokenizer, LongformerTokenizer):
        raise ExportError(
            f"`tokenizer` must be a tf_longformer LongformerTokenizer. Received: {type(tokenizer).__name__}"
        )
    config = model.config
    if len(tokenizer) > config.vocab_size:
        raise ExportError(
            f"The tokenizer has {len(tokenizer)} tokens but the model's vocab_size is {config.vocab_size}: "
            "it would produce ids the model has no embedding for."
        )
    for tokenizer_attribute, config_attribute in _SPECIAL_IDS:
        ours, theirs = getattr(tokenizer, tokenizer_attribute), getattr(config, config_attribute)
        if ours != theirs:
            raise ExportError(
                f"The tokenizer's {tokenizer_attribute} is {ours} but the model config's {config_attribute} is "
                f"{theirs}: they must be the same tokenizer and model."
            )


def text_signature(
    model: Any,
    tokenizer: Any,
    max_length: int | None = None,
    *,
    stride: int | None = None,
    max_request_tokens: int | None = None,
) -> TextSignature:
    """Checks the arguments, then builds and traces `serving_text` for `model` (see the module docstring).

    Args:
        model: the model to serve.
        tokenizer: its `LongformerTokenizer`.
        max_length: the tokens of a row (default: what the model's positions allow).
        stride: question answering: the context tokens consecutive windows share (default:
            about half a window, at most 128).
        max_request_tokens: the largest request, in rows times padded length (default: 8 rows
            of `max_length`).

    Raises:
        ExportError: multiple choice; a tokenizer that is not a `LongformerTokenizer`, has more
            tokens than the model's vocabulary or other special-token ids; `max_length` out of
            range (2 to the model's limit; 7 for question answering); `stride` out of range or
            given to a head without a question and context; `max_request_tokens` below
            `max_length`; a tokenizer pipeline the graph does not reproduce.
    """
    spec = head_spec(model)
    names = spec.text_inputs
    if names is None:
        raise ExportError(
            f"{type(model).__name__} has no {TEXT_SIGNATURE} signature: its examples are not texts "
            "(see tf_longformer.export.text_signature); serve it with the id signatures."
        )
    check_tokenizer(model, tokenizer)
    pairs = len(names) == 2
    # A window needs its four special tokens, a question token and more context tokens than `stride`.
    max_length = _checked_max_length(model, max_length, 7 if pairs else 2)
    if stride is not None and not pairs:
        raise ExportError(
            f"`stride` applies to question answering (windows over a long context); {type(model).__name__} "
            "truncates its text at max_length."
        )
    try:
        stride = checked_stride(stride, max_length) if pairs else None
        max_request_tokens = checked_request_tokens(max_request_tokens, max_length)
        graph_tokenizer = GraphTokenizer.from_tokenizer(tokenizer, max_length=max_length)
    except ValueError as error:
        raise ExportError(str(error)) from None
    if not model.built:
        model.build()

    def serve(*texts: tf.Tensor) -> dict[str, tf.Tensor]:
        encoded = graph_tokenizer.encode_pair_windows(*texts, stride) if pairs else graph_tokenizer.encode(*texts)
        with tf.control_dependencies([request_size_check(encoded["input_ids"], max_request_tokens)]):
            input_ids = tf.identity(encoded["input_ids"])
        outputs = model(input_ids=input_ids, attention_mask=encoded["attention_mask"], training=False)
        result = {name: as_float32(outputs[name]) for name in spec.outputs}
        result.update(input_ids=encoded["input_ids"], offsets=encoded["offsets"])
        result.update(model.text_signature_outputs(result, encoded, dict(zip(names, texts))))
        return result

    function = tf.function(serve, input_signature=[tf.TensorSpec([None], tf.string, name=name) for name in names])
    return TextSignature(function.get_concrete_function(), graph_tokenizer)
