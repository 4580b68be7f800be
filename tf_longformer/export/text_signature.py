"""`serving_text`: a SavedModel signature that takes strings and tokenizes inside the graph.

With it a TF Serving client sends text, not token ids: the export carries the tokenizer as a
`GraphTokenizer` (byte-level BPE in core TensorFlow ops; see `tokenization/graph_bpe.py`), so
the SavedModel needs nothing but TensorFlow, and ids and offsets equal `LongformerTokenizer`'s.

| head | inputs (`tf.string [batch]`) | outputs besides the head's own |
|---|---|---|
| `LongformerModel`, masked LM, sequence / token classification | `text` | `input_ids`, `offsets` |
| question answering | `question`, `context` | `input_ids`, `offsets`, `answer`, `answer_start`, `answer_end` |

- `input_ids` (int32 [batch, length]): what the model saw, `<s> text </s>` or `<s> question
  </s></s> context </s>`, truncated to `max_length` as `truncation=True` / `"only_second"` do,
  padded with `pad_token_id` to the longest row.
- `offsets` (int32 [batch, length, 2]): each token's character (code point) span in its own
  text, leading spaces excluded: the question's tokens in the question, the context's in the
  context; (0, 0) for special tokens and padding.
- Question answering: `answer` (tf.string), `answer_start`, `answer_end` (int32, character
  offsets, `answer == context[answer_start:answer_end]`): the span `ops.answer_span` picks,
  the one `Predictor.predict` returns; an empty context gives "" at (0, 0). (A head adds
  outputs of its own with `text_signature_outputs`; its `spec.text_inputs` names the inputs.)
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

TEXT_SIGNATURE = "serving_text"
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


def text_signature(model: Any, tokenizer: Any, max_length: int | None = None) -> TextSignature:
    """Checks the arguments, then builds and traces `serving_text` for `model` (see the module docstring).

    Raises:
        ExportError: multiple choice; a tokenizer that is not a `LongformerTokenizer`, has more
            tokens than the model's vocabulary or other special-token ids; `max_length` out of
            range (2 to the model's limit; 5 for question answering); a tokenizer pipeline the
            graph does not reproduce.
    """
    spec = head_spec(model)
    names = spec.text_inputs
    if names is None:
        raise ExportError(
            f"{type(model).__name__} has no {TEXT_SIGNATURE} signature: its examples are not texts "
            "(see tf_longformer.export.text_signature); serve it with the id signatures."
        )
    check_tokenizer(model, tokenizer)
    # A pair needs room for its four special tokens and a token of each text.
    max_length = _checked_max_length(model, max_length, 5 if len(names) == 2 else 2)
    try:
        graph_tokenizer = GraphTokenizer.from_tokenizer(tokenizer, max_length=max_length)
    except ValueError as error:
        raise ExportError(str(error)) from None
    if not model.built:
        model.build()

    def serve(*texts: tf.Tensor) -> dict[str, tf.Tensor]:
        encoded = graph_tokenizer.encode(*texts) if len(texts) == 1 else graph_tokenizer.encode_pairs(*texts)
        outputs = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], training=False)
        result = {name: as_float32(outputs[name]) for name in spec.outputs}
        result.update(input_ids=encoded["input_ids"], offsets=encoded["offsets"])
        result.update(model.text_signature_outputs(result, encoded, dict(zip(names, texts))))
        return result

    function = tf.function(serve, input_signature=[tf.TensorSpec([None], tf.string, name=name) for name in names])
    return TextSignature(function.get_concrete_function(), graph_tokenizer)
