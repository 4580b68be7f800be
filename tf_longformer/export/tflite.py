"""TFLite / LiteRT export with builtin ops only (no Flex/TF Select, which LiteRT's Python runtime lacks)."""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any, Callable, Mapping, Sequence

import tensorflow as tf

from tf_longformer.export import atomic, formats
from tf_longformer.export.signatures import ExportError, float32_model, head_spec, serving_functions, serving_module

QUANTIZATIONS = (None, "float16", "dynamic_int8")
_OP_PATTERNS = (re.compile(r"'(tf\.[A-Za-z0-9_]+)' op"), re.compile(r"\b(tf\.[A-Z][A-Za-z0-9_]*)"))


def unsupported_ops(message: str) -> list[str]:
    """The TF op names a converter error message complains about (sorted, unique)."""
    found: set[str] = set()
    for pattern in _OP_PATTERNS:
        found.update(pattern.findall(message))
    return sorted(found)


def convert_saved_model(saved_model_dir: str, signature_keys: Sequence[str], quantize: str | None = None) -> bytes:
    """Converts a SavedModel's signatures to a TFLite flatbuffer with `TFLITE_BUILTINS` only.

    Raises:
        ExportError: an op without a TFLite builtin (named), never a silent Flex fallback.
    """
    if quantize not in QUANTIZATIONS:
        raise ExportError(f"`quantize` must be one of {list(QUANTIZATIONS)}. Received: quantize={quantize!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=list(signature_keys))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    converter.allow_custom_ops = False
    if quantize == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # int8 weights, float activations
    try:
        return converter.convert()
    except Exception as error:  # ConverterError; its module path moves between TF versions
        ops = unsupported_ops(str(error))
        named = f" Unsupported ops: {', '.join(ops)}." if ops else ""
        raise ExportError(
            "TFLite conversion with builtin ops only (TFLITE_BUILTINS) failed; Flex/TF Select ops are not used "
            f"because LiteRT's Python interpreter cannot run them.{named} Converter message: {str(error)[-2000:]}"
        ) from error


def tflite(
    model: Any,
    path: str | os.PathLike,
    *,
    quantize: str | None = None,
    max_sequence_length: int | None = None,
    signatures: Sequence[str] | Mapping[str, Callable] | None = None,
    overwrite: bool = False,
) -> str:
    """Converts `model` to a `.tflite` file that runs in LiteRT with builtin ops only.

    The file holds the same signatures as the SavedModel export (`serving_default`, and
    `serving_auto_global` for heads with automatic global attention), with named inputs and
    outputs. The batch and the length stay free: resize the inputs before each call
    (`interpreter.resize_tensor_input(...)` then `allocate_tensors()`), or use
    `interpreter.get_signature_runner("serving_default")`, which resizes for you.

    A model built under mixed precision (`mixed_bfloat16`, `mixed_float16`) is converted
    from a float32 copy with its weights (`float32_model`): TFLite has no bfloat16 kernels.

    In LiteRT, `serving_auto_global` does not check for separators (TFLite drops graph
    assertions): a QA or multiple-choice row without one gets no global token.

    Args:
        model: a tf_longformer model (`LongformerModel` or a task head).
        path: the `.tflite` file to write (atomically: a temporary file beside it, then a rename).
        quantize: None (float32); `"float16"` (float16 weights, about half the size, computed
            in float32); or `"dynamic_int8"` (int8 weights with dynamic-range quantised matmuls,
            about a quarter of the size).
        max_sequence_length: None keeps the length dynamic. An int fixes the input length to
            it (static shapes, planned once by LiteRT): callers pad shorter inputs on the right
            with `attention_mask` 0, which leaves the outputs at the real tokens unchanged.
        signatures: as in `saved_model` (None: all built-in signatures).
        overwrite: replace an existing file (default: refuse).

    Returns:
        The path of the written file.

    Raises:
        ExportError: a bad argument, an existing file without `overwrite`, or an op with no
            TFLite builtin (named in the message).
    """
    if quantize not in QUANTIZATIONS:
        raise ExportError(f"`quantize` must be one of {list(QUANTIZATIONS)}. Received: quantize={quantize!r}")
    if max_sequence_length is not None:
        limit = model.config.max_sequence_length
        if (
            isinstance(max_sequence_length, bool)
            or not isinstance(max_sequence_length, int)
            or not (1 <= max_sequence_length <= limit)
        ):
            raise ExportError(
                f"`max_sequence_length` must be an int in [1, {limit}] (the model's position table) or None for a "
                f"dynamic length. Received: max_sequence_length={max_sequence_length!r}"
            )
    path = os.fspath(path)
    if os.path.lexists(path) and not overwrite:
        raise ExportError(f"TFLite file {os.path.abspath(path)!r} already exists; pass overwrite=True (--overwrite).")
    head_spec(model)  # ExportError for other models
    if isinstance(signatures, Mapping) and model.compute_dtype != "float32":
        raise ExportError(
            f"{type(model).__name__} computes in {model.compute_dtype} (mixed precision): its TFLite export "
            "converts a float32 copy with the same weights, but functions passed in `signatures` call this "
            "model itself. Trace them on `tfl.export.float32_model(model)` instead."
        )
    model = float32_model(model)  # TFLite has no bfloat16 kernels
    functions = serving_functions(model, signatures, sequence_length=max_sequence_length)
    with tempfile.TemporaryDirectory(prefix="tf_longformer_tflite_") as scratch:
        tf.saved_model.save(serving_module(model, functions), scratch, signatures=functions)
        content = convert_saved_model(scratch, list(functions), quantize)
    return atomic.atomic_write_bytes(path, content, overwrite=overwrite, what="TFLite file")


formats.register_file_format("litert", tflite, "a .tflite file for LiteRT, builtin ops only")
