"""Model-boundary input handling: unpacking, validation with clear messages, padding.

Validation happens once, here, before any computation. Eagerly, values are checked in
NumPy and raise `ValueError`; in a graph, the same checks run as `tf.debugging` assertions
with the same messages (they raise `InvalidArgumentError` when the graph runs).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

import numpy as np
import tensorflow as tf

from tf_longformer.ops import masks as mask_ops

INPUT_NAMES = (
    "input_ids",
    "attention_mask",
    "global_attention_mask",
    "token_type_ids",
    "position_ids",
    "inputs_embeds",
)
#: The inputs holding integers (ids and masks); `inputs_embeds` is the one float input.
ID_INPUTS = ("input_ids", "attention_mask", "global_attention_mask", "token_type_ids", "position_ids")
_MASK_INPUTS = ("attention_mask", "global_attention_mask")


class ModelInputs(NamedTuple):
    input_ids: tf.Tensor | None
    attention_mask: tf.Tensor
    global_attention_mask: tf.Tensor
    token_type_ids: tf.Tensor
    position_ids: tf.Tensor | None
    inputs_embeds: tf.Tensor | None


def unpack_inputs(first: Any, **named: Any) -> dict[str, Any]:
    """Accepts HF-style keyword arguments or a Keras dict as the first argument."""
    if isinstance(first, Mapping):
        unknown = sorted(set(first) - set(INPUT_NAMES))
        if unknown:
            raise ValueError(f"Unknown model inputs {unknown}. Accepted input names: {list(INPUT_NAMES)}.")
        clashes = sorted(name for name in first if named.get(name) is not None)
        if clashes:
            raise ValueError(f"{clashes} given both in the input dict and as keyword arguments; pass each once.")
        named = {**named, **first}
        first = first.get("input_ids")
    named["input_ids"] = first
    return {name: named.get(name) for name in INPUT_NAMES}


def leading_axes(input_shape: Any, rank: int = 2) -> tuple:
    """The [batch, length] axes (rank 3: [batch, num_choices, length]) of a model's inputs.

    `input_shape` is what Keras passes to `compute_output_shape`: None (all axes free), the
    shape of `input_ids`, or a dict of input shapes (`input_ids` or `inputs_embeds` is read).
    """
    if input_shape is None:
        return (None,) * rank
    if isinstance(input_shape, Mapping):
        shape = input_shape.get("input_ids") or input_shape.get("inputs_embeds")
        if shape is None:
            raise ValueError(f"The input shapes need `input_ids` or `inputs_embeds`; got {sorted(input_shape)}.")
        input_shape = shape
    shape = tuple(input_shape)
    if len(shape) < rank:
        raise ValueError(f"Expected the shape of `input_ids` with {rank} axes, got {shape}.")
    return shape[:rank]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def validate_and_fill(
    values: Mapping[str, Any],
    *,
    vocab_size: int,
    type_vocab_size: int,
    hidden_size: int,
    max_sequence_length: int,
    max_position_embeddings: int,
) -> ModelInputs:
    """Checks every input and fills the optional ones with the reference's defaults."""
    input_ids, inputs_embeds = values["input_ids"], values["inputs_embeds"]
    if input_ids is not None and inputs_embeds is not None:
        raise ValueError("Pass either `input_ids` or `inputs_embeds`, not both.")
    if input_ids is None and inputs_embeds is None:
        raise ValueError("Pass `input_ids` (token ids [batch, length]) or `inputs_embeds` ([batch, length, hidden]).")

    tensors: dict[str, tf.Tensor | None] = {}
    for name in ID_INPUTS:
        value = values[name]
        if value is None:
            tensors[name] = None
            continue
        tensor = tf.convert_to_tensor(value)
        is_mask = name in _MASK_INPUTS
        if tensor.dtype.is_complex or tensor.dtype == tf.string or (tensor.dtype.is_floating and not is_mask):
            raise ValueError(
                f"`{name}` must hold integers, got dtype {tensor.dtype.name}. Cast it, e.g. tf.cast({name}, tf.int32)."
            )
        if tensor.shape.rank is not None and tensor.shape.rank != 2:
            raise ValueError(f"`{name}` must have rank 2 [batch, length], got shape {tensor.shape}.")
        if tensor.dtype.is_floating:  # float masks (as the reference accepts) must still be exactly 0/1
            tensor = _checked_float_mask(tensor, name)
        tensors[name] = tf.cast(tensor, tf.int32)
    if inputs_embeds is not None:
        inputs_embeds = tf.convert_to_tensor(inputs_embeds)
        if not inputs_embeds.dtype.is_floating:
            raise ValueError(f"`inputs_embeds` must be floating point, got dtype {inputs_embeds.dtype.name}.")
        if inputs_embeds.shape.rank is not None and (
            inputs_embeds.shape.rank != 3 or inputs_embeds.shape[-1] not in (None, hidden_size)
        ):
            raise ValueError(
                f"`inputs_embeds` must have shape [batch, length, {hidden_size}], got {inputs_embeds.shape}."
            )

    reference_name = "input_ids" if input_ids is not None else "inputs_embeds"
    reference = tensors["input_ids"] if input_ids is not None else inputs_embeds
    shape = tf.shape(reference)[:2]
    static_shape = reference.shape[:2]
    for name in ID_INPUTS[1:]:
        tensor = tensors[name]
        if tensor is not None and not tensor.shape.is_compatible_with(static_shape):
            raise ValueError(
                _shape_message(name, reference_name) + f" Got {tensor.shape}, `{reference_name}` has {static_shape}."
            )

    if tf.executing_eagerly():
        _check_values_eagerly(
            tensors,
            shape.numpy(),
            reference_name,
            vocab_size,
            type_vocab_size,
            max_sequence_length,
            max_position_embeddings,
        )
        checks = []
    else:
        checks = _graph_checks(
            tensors, shape, reference_name, vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings
        )

    with tf.control_dependencies(checks):
        ones = tf.ones(shape, tf.int32)
        return ModelInputs(
            input_ids=_identity(tensors["input_ids"]),
            attention_mask=ones if tensors["attention_mask"] is None else _identity(tensors["attention_mask"]),
            global_attention_mask=(
                tf.zeros(shape, tf.int32)
                if tensors["global_attention_mask"] is None
                else _identity(tensors["global_attention_mask"])
            ),
            token_type_ids=tf.zeros(shape, tf.int32)
            if tensors["token_type_ids"] is None
            else _identity(tensors["token_type_ids"]),
            position_ids=_identity(tensors["position_ids"]),
            inputs_embeds=_identity(inputs_embeds),
        )


def _checked_float_mask(mask: tf.Tensor, name: str) -> tf.Tensor:
    message = f"`{name}` must hold only 0 and 1."
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(mask, 0), tf.equal(mask, 1)))
    if tf.executing_eagerly():
        _check(bool(is_binary), message + f" Found {mask.numpy()[(mask.numpy() != 0) & (mask.numpy() != 1)][:1]}.")
        return mask
    with tf.control_dependencies([tf.debugging.Assert(is_binary, [message])]):
        return tf.identity(mask)


def _identity(tensor):
    return None if tensor is None else tf.identity(tensor)


def _value_rules(vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings):
    """(input name, low, high inclusive, message) for each value-range rule."""
    return [
        ("input_ids", 0, vocab_size - 1, f"`input_ids` must be token ids in [0, {vocab_size}) (the vocabulary size)."),
        ("attention_mask", 0, 1, "`attention_mask` must hold only 0 (padding) and 1 (token)."),
        ("global_attention_mask", 0, 1, "`global_attention_mask` must hold only 0 (local) and 1 (global)."),
        (
            "token_type_ids",
            0,
            type_vocab_size - 1,
            f"`token_type_ids` must be in [0, {type_vocab_size}) (type_vocab_size).",
        ),
        (
            "position_ids",
            0,
            max_position_embeddings - 1,
            f"`position_ids` must be in [0, {max_position_embeddings}) (max_position_embeddings).",
        ),
    ]


def _shape_message(name: str, reference_name: str) -> str:
    return f"`{name}` must have the same [batch, length] as `{reference_name}`."


def _length_message(reference_name: str, max_sequence_length: int) -> str:
    return (
        f"`{reference_name}` is longer than the model allows: at most {max_sequence_length} tokens "
        "(max_position_embeddings - pad_token_id - 1). Truncate the input or split it into windows."
    )


def _check_values_eagerly(
    tensors, shape, reference_name, vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings
):
    batch, length = int(shape[0]), int(shape[1])
    _check(
        batch > 0 and length > 0,
        f"`{reference_name}` is empty (shape [batch, length] = [{batch}, {length}]); pass at least one token.",
    )
    _check(length <= max_sequence_length, _length_message(reference_name, max_sequence_length) + f" Got {length}.")
    for name, tensor in tensors.items():
        if tensor is not None and tuple(tensor.shape) != (batch, length):
            raise ValueError(
                _shape_message(name, reference_name) + f" Got {tuple(tensor.shape)}, expected {(batch, length)}."
            )
    for name, low, high, message in _value_rules(
        vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings
    ):
        tensor = tensors[name]
        if tensor is None:
            continue
        array = tensor.numpy()
        bad = (array < low) | (array > high)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{message} Found {array[where]} at {list(where)}.")


def _graph_checks(
    tensors, shape, reference_name, vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings
):
    checks = [
        tf.debugging.assert_positive(
            shape, message=f"`{reference_name}` is empty (batch or length is 0); pass at least one token."
        ),
        tf.debugging.assert_less_equal(
            shape[1], max_sequence_length, message=_length_message(reference_name, max_sequence_length)
        ),
    ]
    for name, tensor in tensors.items():
        if tensor is not None and name != reference_name:
            checks.append(
                tf.debugging.assert_equal(tf.shape(tensor), shape, message=_shape_message(name, reference_name))
            )
    for name, low, high, message in _value_rules(
        vocab_size, type_vocab_size, max_sequence_length, max_position_embeddings
    ):
        tensor = tensors[name]
        if tensor is not None:
            checks.append(tf.debugging.assert_greater_equal(tensor, low, message=message))
            checks.append(tf.debugging.assert_less_equal(tensor, high, message=message))
    return checks


def pad_to_window_multiple(
    inputs: ModelInputs, window: int, pad_token_id: int, pad_embedding
) -> tuple[ModelInputs, tf.Tensor]:
    """Right-pads every input to a multiple of `window`, as the reference does.

    Returns the padded inputs and the original length. Padding tokens get `pad_token_id`,
    masks and token types 0, position ids `pad_token_id`, embeddings `pad_embedding`.
    """
    reference = inputs.input_ids if inputs.input_ids is not None else inputs.inputs_embeds
    length = tf.shape(reference)[1]
    padding = mask_ops.padding_to_multiple(length, window)
    pad = mask_ops.pad_sequence_axis
    embeds = inputs.inputs_embeds
    if embeds is not None:
        batch = tf.shape(embeds)[0]
        filler = tf.broadcast_to(tf.cast(pad_embedding, embeds.dtype), [batch, padding, embeds.shape[-1]])
        embeds = tf.concat([embeds, filler], axis=1)
    padded = ModelInputs(
        input_ids=None if inputs.input_ids is None else pad(inputs.input_ids, padding, pad_token_id),
        attention_mask=pad(inputs.attention_mask, padding, 0),
        global_attention_mask=pad(inputs.global_attention_mask, padding, 0),
        token_type_ids=pad(inputs.token_type_ids, padding, 0),
        position_ids=None if inputs.position_ids is None else pad(inputs.position_ids, padding, pad_token_id),
        inputs_embeds=embeds,
    )
    return padded, length
