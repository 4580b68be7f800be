"""SavedModel export in the layout TF Serving loads: `<base>/<model_name>/<version>/`."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Mapping, Sequence

import tensorflow as tf

from tf_longformer.export import atomic, formats
from tf_longformer.export.signatures import (
    ExportError,
    default_model_name,
    head_spec,
    keras_serve_function,
    serving_functions,
    serving_module,
)
from tf_longformer.export.text_signature import TEXT_SIGNATURE, text_signature

#: The endpoint name Keras' `model.export` gives the forward pass (`reloaded.serve(...)`).
KERAS_ENDPOINT = "serve"
#: What was exported (`{"task", "model_class"}`), beside the SavedModel: TF Serving and
#: `tf.saved_model.load` ignore `assets.extra/`; `exported_task` reads it back.
METADATA_FILE = os.path.join("assets.extra", "tf_longformer.json")


def _write(module: tf.Module, directory: str, functions: Mapping[str, Any]) -> None:
    """Writes the SavedModel (a seam the tests use to simulate a failure mid-way)."""
    tf.saved_model.save(module, directory, signatures=dict(functions))


def _write_metadata(model: Any, directory: str) -> None:
    path = os.path.join(directory, METADATA_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"task": head_spec(model).task, "model_class": type(model).__name__}, stream)


def exported_task(directory: str | os.PathLike) -> str | None:
    """The task a SavedModel written by this package records (None for other or older exports)."""
    path = os.path.join(os.fspath(directory), METADATA_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as stream:
        return json.load(stream).get("task")


def _module_with_text(model: Any, functions: dict, tokenizer: Any, **text_options: Any) -> tf.Module:
    """The module to save: `functions`, plus `serving_text` (added to them) where there is a
    tokenizer; `text_options` go to `text_signature`."""
    text = text_signature(model, tokenizer, **text_options) if tokenizer is not None else None
    if text is not None:
        functions[TEXT_SIGNATURE] = text.function
    module = serving_module(model, functions)
    if text is not None:
        module.text_tokenizer = text.tokenizer  # its lookup tables are saved with the signature
    return module


def keras_export(model: Any, filepath: str | os.PathLike, *, verbose: bool | None = None) -> str:
    """`model.export(filepath)`: the SavedModel of `saved_model`, at `filepath` itself (with
    `serving_text` when the model carries a preprocessor: the text it takes, it serves, with
    its `sequence_length` and, for question answering, its `stride`).

    Keras' conventions: an existing `filepath` is replaced (atomically here), the forward
    pass is also the attribute `serve` of the loaded object, which takes what the model takes
    (`signatures.keras_serve_function`), and a line is printed unless `verbose=False`.
    Returns the absolute path.
    """
    functions = serving_functions(model)
    preprocessor = getattr(model, "preprocessor", None)
    module = _module_with_text(
        model,
        functions,
        getattr(preprocessor, "tokenizer", None),
        max_length=getattr(preprocessor, "sequence_length", None),
        stride=getattr(preprocessor, "stride", None),
    )
    setattr(module, KERAS_ENDPOINT, keras_serve_function(model, functions))
    target = os.fspath(filepath)
    with atomic.atomic_directory(target, overwrite=True, what="Export directory") as temporary:
        _write(module, temporary, functions)
        _write_metadata(model, temporary)
    if verbose is None or verbose:
        described = "; ".join(
            f"{name}({', '.join(spec.name for spec in tf.nest.flatten(function.structured_input_signature))}) -> "
            f"{', '.join(sorted(function.structured_outputs))}"
            for name, function in functions.items()
        )
        print(
            f"Saved artifact at '{os.path.abspath(target)}'. Signatures: {described}; "
            "`serve(x)` takes what the model takes."
        )
    return os.path.abspath(target)


def _without_text_signature(signatures: Any, tokenizer: Any, text_options: Mapping[str, Any]) -> Any:
    """`signatures` less `serving_text`, which a sequence of names may hold only with a tokenizer."""
    given = [name for name, value in text_options.items() if value is not None]
    if given and tokenizer is None:
        raise ExportError(f"`{given[0]}` applies to the {TEXT_SIGNATURE} signature, which needs tokenizer=.")
    if signatures is None or isinstance(signatures, (str, Mapping)) or TEXT_SIGNATURE not in signatures:
        return signatures
    if tokenizer is None:
        raise ExportError(f"The {TEXT_SIGNATURE} signature needs the model's tokenizer: pass tokenizer=.")
    return [name for name in signatures if name != TEXT_SIGNATURE]


def saved_model(
    model: Any,
    export_dir: str | os.PathLike,
    *,
    model_name: str | None = None,
    version: int = 1,
    signatures: Sequence[str] | Mapping[str, Callable] | None = None,
    overwrite: bool = False,
    tokenizer: Any = None,
    max_length: int | None = None,
    stride: int | None = None,
    max_request_tokens: int | None = None,
) -> str:
    """Exports `model` as a SavedModel for TF Serving, `tf.saved_model.load` and `saved_model_cli`.

    The result is `<export_dir>/<model_name>/<version>/`: point TF Serving's `--model_base_path`
    (or the Docker image's `/models/<model_name>` mount) at `<export_dir>/<model_name>`.

    Signatures (see `tf_longformer.export.signatures`): `serving_default` takes int32
    `input_ids`, `attention_mask`, `global_attention_mask` of shape [batch, length] (both free;
    multiple choice: [batch, num_choices, length]) and returns the head's outputs by name
    (e.g. `start_logits`/`end_logits`, `logits`, `last_hidden_state`/`pooler_output`).
    Question answering, sequence classification and multiple choice also get
    `serving_auto_global` without `global_attention_mask`: global attention is then placed
    inside the graph as the reference does (a QA or multiple-choice row without a separator
    fails the request with the model's error message).

    With a `tokenizer`, the export also has `serving_text` (`TEXT_SIGNATURE`): strings in
    (`text`; `question` and `context` for question answering), tokenized inside the graph with
    core TensorFlow ops exactly as the tokenizer does; the head's outputs plus `input_ids` and
    character `offsets` out, and for question answering the `answer` string with its character
    span, read from overlapping windows when the context is longer than `max_length` (see
    `tf_longformer.export.text_signature`). Multiple choice has none (ExportError).

    The task is recorded beside it (`METADATA_FILE`), so `load_predictor` knows the head.

    The write is atomic: the SavedModel is written to a hidden directory beside the version
    directory and renamed into place, so a server polling `<model_name>/` never sees a
    half-written version, and a failed or interrupted export leaves nothing behind.

    Args:
        model: a tf_longformer model (`LongformerModel` or a task head).
        export_dir: the base directory (created if needed).
        model_name: the model's directory under `export_dir` (TF Serving's `MODEL_NAME`);
            default: the class name in snake case, e.g. `longformer_for_question_answering`.
        version: the version number (a positive int; TF Serving serves the highest).
        signatures: None for all built-in signatures; a sequence of built-in names; or a mapping
            name -> `tf.function` with an input signature, exported beside the built-in ones.
        overwrite: replace an existing version directory (default: refuse).
        tokenizer: the model's `LongformerTokenizer`: adds `serving_text`. A sequence of
            `signatures` may name `serving_text` too (it then needs the tokenizer).
        max_length: `serving_text` truncates inputs to this many tokens (special tokens
            included), or reads a question's context in windows of it; default: what the
            model's positions allow.
        stride: question answering: the context tokens consecutive windows share (default:
            about half a window, at most 128).
        max_request_tokens: `serving_text` refuses a request whose rows times their padded
            length exceed this (default: 8 rows of `max_length`).

    Returns:
        The path of the version directory.

    Raises:
        ExportError: bad `model_name`/`version`/`signatures`, or the version exists and
            `overwrite` is False; for `serving_text`, a model or tokenizer it does not fit (see
            `text_signature`). Every check runs before anything is written.
    """
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExportError(
            f"`version` must be a positive integer (TF Serving's version directory). Received: {version!r}"
        )
    name = default_model_name(model) if model_name is None else str(model_name)
    if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise ExportError(f"`model_name` must be a plain directory name. Received: model_name={model_name!r}")
    target = os.path.join(os.fspath(export_dir), name, str(version))
    if os.path.lexists(target) and not overwrite:
        raise ExportError(
            f"Version directory {os.path.abspath(target)!r} already exists; pass overwrite=True (--overwrite) "
            "to replace it, or export a new version."
        )
    text_options = dict(max_length=max_length, stride=stride, max_request_tokens=max_request_tokens)
    signatures = _without_text_signature(signatures, tokenizer, text_options)
    functions = serving_functions(model, signatures) if signatures != [] else {}  # []: serving_text alone
    module = _module_with_text(model, functions, tokenizer, **text_options)
    with atomic.atomic_directory(target, overwrite=overwrite, what="Version directory") as temporary:
        _write(module, temporary, functions)
        _write_metadata(model, temporary)
    return os.path.abspath(target)


formats.register("tf_saved_model", keras_export, "a SavedModel for TF Serving with the serving signatures and `serve`")
