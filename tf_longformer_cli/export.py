"""`tf-longformer export`: a checkpoint directory to a SavedModel, a `.tflite` or an `.onnx` file."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from tf_longformer_cli.arguments import call_with_arguments, describe, positive_int

if TYPE_CHECKING:
    from tf_longformer.tokenization.tokenizer import LongformerTokenizer

FORMATS = ("saved_model", "tflite", "onnx")
DEFAULT_SIGNATURE = "serving_default"  # TensorFlow's DEFAULT_SERVING_SIGNATURE_DEF_KEY

DESCRIPTION = """Export a Longformer checkpoint (a directory written by save_pretrained, or a
transformers Longformer checkpoint) for serving:
  saved_model  OUTPUT/<model-name>/<version>/ for TF Serving (serving_default signature;
               --with-text adds serving_text: strings in, tokenized inside the graph)
  tflite       one .tflite file, TFLite builtin ops only, dynamic length (LiteRT)
  onnx         one .onnx file (needs tf2onnx: pip install "tf_longformer[onnx]")"""

EPILOG = """examples:
  tf-longformer export ./my-qa-model exports --format saved_model --model-name qa
  tf-longformer export ./my-qa-model exports --model-name qa --with-text
  tf-longformer export ./my-qa-model qa.tflite --format tflite --quantize dynamic_int8
  tf-longformer export ./my-qa-model qa.onnx --format onnx"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `export` subcommand's arguments."""
    describe(parser, DESCRIPTION, EPILOG)
    parser.add_argument(
        "checkpoint", help="checkpoint directory (config.json + weights), Hub id, or default (the embedded model)"
    )
    parser.add_argument("output", help="saved_model: the base directory; tflite/onnx: the file to write")
    parser.add_argument("--format", "-f", choices=FORMATS, default="saved_model", help="default: saved_model")
    parser.add_argument(
        "--task",
        default="auto",
        help="auto (from config.json's architectures, else base) or a task: base, sequence_classification, ...",
    )
    parser.add_argument("--model-name", help="saved_model: the model directory / TF Serving MODEL_NAME")
    parser.add_argument("--version", type=positive_int, default=1, help="saved_model: version number (default 1)")
    parser.add_argument(
        "--quantize", choices=("float16", "dynamic_int8"), help="tflite: quantise the weights (default float32)"
    )
    parser.add_argument(
        "--max-sequence-length", type=positive_int, help="tflite: fix the input length (default dynamic)"
    )
    parser.add_argument(
        "--signature", default=DEFAULT_SIGNATURE, help="onnx: which signature (default serving_default)"
    )
    parser.add_argument("--opset", type=positive_int, default=17, help="onnx: ONNX opset (default 17)")
    parser.add_argument(
        "--with-text",
        action="store_true",
        help="saved_model: add the serving_text signature (strings in), with the checkpoint's tokenizer",
    )
    parser.add_argument(
        "--max-length",
        type=positive_int,
        help="saved_model --with-text: tokens per row; texts are truncated to it, long QA contexts read in "
        "windows of it (default: the model's limit)",
    )
    parser.add_argument(
        "--stride",
        type=int,
        help="saved_model --with-text, question answering: context tokens consecutive windows share "
        "(default: about half a window, at most 128)",
    )
    parser.add_argument(
        "--max-request-tokens",
        type=positive_int,
        help="saved_model --with-text: refuse requests over this many tokens, rows times padded length "
        "(default: 8 rows of --max-length)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing version directory or file")


def model_class(checkpoint: str, task: str) -> type:
    """The class to load for `--task`: a task or class name, or "auto" (the checkpoint's `architectures`)."""
    from tf_longformer.models import registry

    if task == "auto":
        return registry.class_for_checkpoint(checkpoint)
    try:
        return registry.model_class(task)
    except ValueError:
        raise ValueError(f"--task must be auto or one of {', '.join(registry.tasks())}; got {task!r}") from None


def checkpoint_tokenizer(checkpoint: str) -> LongformerTokenizer:
    """The tokenizer saved with `checkpoint` (ValueError for a directory without tokenizer files)."""
    from tf_longformer.tokenization import files as tokenizer_files
    from tf_longformer.tokenization.tokenizer import LongformerTokenizer

    if os.path.isdir(checkpoint) and not any(
        os.path.isfile(os.path.join(checkpoint, name))
        for name in (tokenizer_files.TOKENIZER_FILE, tokenizer_files.VOCAB_FILE)
    ):
        raise ValueError(
            f"--with-text needs the tokenizer beside the weights, but {checkpoint!r} has no "
            f"{tokenizer_files.TOKENIZER_FILE} or {tokenizer_files.VOCAB_FILE} "
            "(write them with tokenizer.save_pretrained)."
        )
    return LongformerTokenizer.from_pretrained(checkpoint)


def export_checkpoint(
    checkpoint: str,
    output: str,
    *,
    format: str = "saved_model",
    task: str = "auto",
    model_name: str | None = None,
    version: int = 1,
    quantize: str | None = None,
    max_sequence_length: int | None = None,
    signature: str = DEFAULT_SIGNATURE,
    opset: int = 17,
    overwrite: bool = False,
    with_text: bool = False,
    max_length: int | None = None,
    stride: int | None = None,
    max_request_tokens: int | None = None,
) -> str:
    """Loads `checkpoint` with the task's class and exports it; returns what was written.

    `with_text` (SavedModel only) adds `serving_text` with the checkpoint's own tokenizer, rows
    of `max_length` tokens (default: the model's limit), QA windows sharing `stride` tokens and
    requests of at most `max_request_tokens` (see `tf_longformer.export.saved_model`).
    """
    from tf_longformer import export
    from tf_longformer.default_model import resolve_name

    checkpoint = resolve_name(checkpoint)
    if format not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}; got {format!r}")
    if format != "saved_model" and with_text:
        raise ValueError(
            f"--with-text applies to --format saved_model only: {format} files keep their token-id inputs "
            "(their runtimes have no string ops for the in-graph tokenizer)."
        )
    if not with_text and (max_length, stride, max_request_tokens) != (None, None, None):
        raise ValueError("--max-length, --stride and --max-request-tokens apply to --with-text only")
    tokenizer = checkpoint_tokenizer(checkpoint) if with_text else None
    model = model_class(checkpoint, task).from_pretrained(checkpoint)
    if format == "saved_model":
        return export.saved_model(
            model,
            output,
            model_name=model_name,
            version=version,
            overwrite=overwrite,
            tokenizer=tokenizer,
            max_length=max_length,
            stride=stride,
            max_request_tokens=max_request_tokens,
        )
    if format == "tflite":
        return export.tflite(
            model, output, quantize=quantize, max_sequence_length=max_sequence_length, overwrite=overwrite
        )
    return export.onnx(model, output, signature=signature, opset=opset, overwrite=overwrite)


def run(args: argparse.Namespace) -> int:
    """Runs `tf-longformer export` from parsed arguments; prints the written path."""
    if args.format != "saved_model" and (args.model_name is not None or args.version != 1):
        raise ValueError("--model-name and --version apply to --format saved_model only")
    if args.format != "tflite" and (args.quantize or args.max_sequence_length):
        raise ValueError("--quantize and --max-sequence-length apply to --format tflite only")
    print(call_with_arguments(export_checkpoint, args))
    return 0
