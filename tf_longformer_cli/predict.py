"""`tf-longformer predict`: run a saved model on text from files or stdin; one JSON line per text."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Iterator

from tf_longformer_cli.arguments import describe, positive_int

DESCRIPTION = """Run a model on text and print one JSON object per text (JSON lines).

MODEL is a checkpoint directory (config.json + weights), a .keras file, a SavedModel (the TF
Serving base directory or one version) or a .tflite file. The tokenizer is read from the
model's directory (or its parents); --tokenizer names another. The output depends on the task:
  sequence_classification  {"label", "score", "probabilities"}
  token_classification     {"tokens", "labels"}
  question_answering       {"answer", "start", "end", "score", "windows"}   (needs --question;
                           a context longer than the model is read in overlapping windows)
  masked_lm                {"masks": [{"position", "predictions": [{"token", "score"}]}]}
  base                     {"tokens", "embedding"}"""

EPILOG = """examples:
  echo "the guard wears red ." | tf-longformer predict ./my-classifier
  tf-longformer predict exports/qa --question "who wrote it?" report.txt --whole-file
  tf-longformer predict model.tflite --tokenizer ./my-classifier texts.txt"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    describe(parser, DESCRIPTION, EPILOG)
    parser.add_argument(
        "model",
        help="checkpoint directory, .keras file, SavedModel directory, .tflite file, or default (the embedded model)",
    )
    parser.add_argument("inputs", nargs="*", default=["-"], help="text files ('-' or none: stdin)")
    parser.add_argument(
        "--whole-file", action="store_true", help="each file is one text (default: each non-empty line is one text)"
    )
    parser.add_argument(
        "--task", help="override the task read from the model (sequence_classification, question_answering, ...)"
    )
    parser.add_argument("--tokenizer", help="tokenizer directory (default: beside the model)")
    parser.add_argument("--question", help="question_answering: the question asked of every text")
    parser.add_argument(
        "--max-length",
        type=int,
        help="tokens per row: texts are truncated to it, long QA contexts read in windows of it "
        "(default: the model's limit)",
    )
    parser.add_argument(
        "--stride",
        type=int,
        help="question_answering: context tokens consecutive windows share (default: about half a window, at most 128)",
    )
    parser.add_argument(
        "--max-request-tokens",
        type=positive_int,
        help="refuse a text whose windows hold more tokens than this (default: 8 rows of --max-length)",
    )
    parser.add_argument("--top-k", type=int, default=5, help="masked_lm: predictions per <mask> (default 5)")


def read_texts(inputs: list[str], whole_file: bool) -> Iterator[tuple[str, str]]:
    """(source name, text) for every text in `inputs` ('-' is stdin)."""
    for name in inputs:
        stream = sys.stdin if name == "-" else open(name, encoding="utf-8")
        try:
            if whole_file:
                yield name, stream.read()
            else:
                for number, line in enumerate(stream, 1):
                    if line.strip():
                        yield f"{name}:{number}", line.rstrip("\n")
        finally:
            if stream is not sys.stdin:
                stream.close()


def run(args: argparse.Namespace) -> int:
    for name in args.inputs:
        if name != "-":
            open(name, encoding="utf-8").close()  # a missing input fails before the model loads
    if args.max_length is not None and args.max_length < 2:
        raise ValueError(f"--max-length must be at least 2; got {args.max_length}")
    from tf_longformer.inference.predictor import load_predictor

    predictor = load_predictor(
        args.model,
        task=args.task,
        tokenizer=args.tokenizer,
        max_length=args.max_length,
        stride=args.stride,
        max_request_tokens=args.max_request_tokens,
    )
    if len(predictor.text_inputs) == 2 and not args.question:
        raise ValueError(f"this {predictor.task} model takes {' and '.join(predictor.text_inputs)}: pass --question")
    for source, text in read_texts(args.inputs, args.whole_file):
        result = {"input": source, **predictor.predict(text, question=args.question, top_k=args.top_k)}
        print(json.dumps(result), flush=True)
    return 0
