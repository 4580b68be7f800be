"""`tf-longformer export`: a checkpoint directory to a SavedModel, a `.tflite` or an `.onnx` file."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from tf_longformer.argument_types import positive_int
from tf_longformer.export.signatures import DEFAULT_SIGNATURE, ExportError

FORMATS = ("saved_model", "tflite", "onnx")
#: --task values and the model class each loads (the class names are accepted too).
TASKS = {
    "base": "LongformerModel",
    "masked_lm": "LongformerForMaskedLM",
    "sequence_classification": "LongformerForSequenceClassification",
    "token_classification": "LongformerForTokenClassification",
    "question_answering": "LongformerForQuestionAnswering",
    "multiple_choice": "LongformerForMultipleChoice",
}

DESCRIPTION = """Export a Longformer checkpoint (a directory written by save_pretrained, or a
transformers Longformer checkpoint) for serving:
  saved_model  OUTPUT/<model-name>/<version>/ for TF Serving (serving_default signature)
  tflite       one .tflite file, TFLite builtin ops only, dynamic length (LiteRT)
  onnx         one .onnx file (needs tf2onnx: pip install "tf_longformer[onnx]")"""

EPILOG = """examples:
  tf-longformer export ./my-qa-model exports --format saved_model --model-name qa
  tf-longformer export ./my-qa-model qa.tflite --format tflite --quantize dynamic_int8
  tf-longformer export ./my-qa-model qa.onnx --format onnx"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `export` subcommand's arguments."""
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("checkpoint", help="checkpoint directory (config.json + weights) or Hub id")
    parser.add_argument("output", help="saved_model: the base directory; tflite/onnx: the file to write")
    parser.add_argument("--format", "-f", choices=FORMATS, default="saved_model", help="default: saved_model")
    parser.add_argument(
        "--task",
        default="auto",
        help="auto (from config.json's architectures, else base) or one of: " + ", ".join(TASKS),
    )
    parser.add_argument("--model-name", help="saved_model: the model directory / TF Serving MODEL_NAME")
    parser.add_argument("--version", type=positive_int, default=1, help="saved_model: version number (default 1)")
    parser.add_argument(
        "--quantize", choices=("float16", "dynamic_int8"), help="tflite: quantise the weights (default float32)"
    )
    parser.add_argument(
        "--max-sequence-length", type=positive_int, help="tflite: fix the input length (default dynamic)"
    )
    parser.add_argument("--signature", default=DEFAULT_SIGNATURE, help="onnx: which signature (default serving_default)")
    parser.add_argument("--opset", type=positive_int, default=17, help="onnx: ONNX opset (default 17)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing version directory or file")


def model_class_name(checkpoint: str, task: str) -> str:
    """The model class to load for `task` ("auto": the checkpoint's `architectures`, else the base model)."""
    if task in TASKS:
        return TASKS[task]
    if task in TASKS.values():
        return task
    if task != "auto":
        raise ExportError(f"--task must be auto or one of {', '.join(TASKS)}; got {task!r}")
    config_path = os.path.join(checkpoint, "config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as stream:
            architectures = json.load(stream).get("architectures") or []
        for name in architectures:
            name = name[2:] if name.startswith("TF") else name  # the removed TF classes' names
            if name in TASKS.values():
                return name
    return TASKS["base"]


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
) -> str:
    """Loads `checkpoint` with the task's class and exports it; returns what was written."""
    import tf_longformer as tfl
    from tf_longformer import export

    if format not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}; got {format!r}")
    model: Any = getattr(tfl, model_class_name(checkpoint, task)).from_pretrained(checkpoint)
    if format == "saved_model":
        return export.saved_model(model, output, model_name=model_name, version=version, overwrite=overwrite)
    if format == "tflite":
        return export.tflite(
            model, output, quantize=quantize, max_sequence_length=max_sequence_length, overwrite=overwrite
        )
    return export.onnx(model, output, signature=signature, opset=opset, overwrite=overwrite)


def run(args: argparse.Namespace) -> int:
    """Runs `tf-longformer export` from parsed arguments; prints the written path."""
    if args.format != "saved_model" and (args.model_name is not None or args.version != 1):
        raise ExportError("--model-name and --version apply to --format saved_model only")
    if args.format != "tflite" and (args.quantize or args.max_sequence_length):
        raise ExportError("--quantize and --max-sequence-length apply to --format tflite only")
    written = export_checkpoint(
        args.checkpoint,
        args.output,
        format=args.format,
        task=args.task,
        model_name=args.model_name,
        version=args.version,
        quantize=args.quantize,
        max_sequence_length=args.max_sequence_length,
        signature=args.signature,
        opset=args.opset,
        overwrite=args.overwrite,
    )
    print(written)
    return 0
