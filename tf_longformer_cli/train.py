"""`tf-longformer train`: fine-tune a classification or QA head on a JSONL or CSV file.

Each epoch ends with a checkpoint directory (`OUTPUT/checkpoint-epoch-N`, the reference
format) and the finished model (with its tokenizer) is written to OUTPUT. Training state is
backed up with `keras.callbacks.BackupAndRestore` in `OUTPUT/.backup`: if a run is
interrupted, the same command resumes from the last backup.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import warnings
from typing import Any

import numpy as np

from tf_longformer_cli.arguments import describe, positive_float, positive_int

DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")

EPILOG = """data: one example per JSONL line or CSV row, e.g.
  {"text": "a long review ...", "label": "positive"}                          (sequence_classification)
  {"question": "who?", "context": "... Ada ...", "answer": "Ada"}             (question_answering;
  "answer" may also be {"text": "Ada", "answer_start": 123})
examples:
  tf-longformer train default reviews.jsonl --output runs/reviews --epochs 3
  tf-longformer train default qa.jsonl --task question_answering --text-column context --output runs/qa
  tf-longformer train default reviews.jsonl --output runs/reviews --dtype-policy mixed_bfloat16
  tf-longformer train ./longformer-16k qa.jsonl --task question_answering --text-column context \\
      --max-length 16384 --stride 1024 --gradient-checkpointing --dtype-policy mixed_bfloat16 --output runs/qa16k
  (run the same command again after an interruption: it resumes from OUTPUT/.backup)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    describe(parser, __doc__, EPILOG)
    parser.add_argument(
        "checkpoint", help="checkpoint directory to start from (with its tokenizer), or default (the embedded model)"
    )
    parser.add_argument("data", help="training data: .jsonl or .csv")
    parser.add_argument("--output", "-o", required=True, help="directory for checkpoints and the final model")
    parser.add_argument(
        "--task", default="sequence_classification", help="sequence_classification (default) or question_answering"
    )
    parser.add_argument("--validation-data", help="held-out data in the same format (accuracy/loss each epoch)")
    parser.add_argument("--text-column", default="text", help="column with the document (default: text)")
    parser.add_argument(
        "--label-column", default="label", help="sequence_classification: label column (default: label)"
    )
    parser.add_argument("--question-column", default="question", help="question_answering: (default: question)")
    parser.add_argument("--answer-column", default="answer", help="question_answering: (default: answer)")
    parser.add_argument("--epochs", type=positive_int, default=3)
    parser.add_argument("--batch-size", type=positive_int, default=8)
    parser.add_argument("--learning-rate", type=positive_float, default=3e-5)
    parser.add_argument(
        "--max-length", type=positive_int, default=4096, help="truncate to this many tokens (default 4096)"
    )
    parser.add_argument(
        "--stride",
        type=int,
        help="question_answering: read contexts longer than --max-length in overlapping windows sharing this "
        "many tokens, each window a training row (default: truncate them)",
    )
    parser.add_argument(
        "--save-every-steps", type=positive_int, help="also back up every N steps (default: each epoch)"
    )
    parser.add_argument(
        "--dtype-policy",
        choices=DTYPE_POLICIES,
        default="float32",
        help="Keras dtype policy: mixed_bfloat16 is faster where `lscpu` lists avx512_bf16 or amx_bf16 and slower "
        "elsewhere (README: Benchmarks, Precision); checkpoints keep float32 weights (default: float32)",
    )
    parser.add_argument(
        "--gradient-checkpointing",
        action="store_true",
        help="recompute each layer's activations in the backward pass: much less memory for one more forward "
        "(for long documents: 16,384 tokens train in under 8 GB)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--overwrite", action="store_true", help="start afresh even if OUTPUT holds a model or a backup"
    )
    parser.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")


def trainable_tasks(registry) -> tuple[str, ...]:
    """The tasks whose training data this command reads: those whose head names a layout
    (`TaskSpec.training_data`: "text_label" -> `classification_data`, "question_answer" -> `qa_data`)."""
    return tuple(task for task in registry.tasks() if registry.model_class(task).spec.training_data is not None)


def read_records(path: str) -> list[dict[str, Any]]:
    """The rows of a .jsonl / .json lines or .csv file as dicts."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such data file: {path!r}")
    records: list[dict[str, Any]] = []
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            records = list(csv.DictReader(f))
    elif path.endswith((".jsonl", ".json", ".ndjson")):
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{path}:{number} is not valid JSON ({error.msg})") from None
    else:
        raise ValueError(f"{path!r}: expected a .jsonl or .csv file")
    if not records:
        raise ValueError(f"{path!r} holds no examples")
    return records


def _column(records: list[dict], name: str, path: str) -> list[Any]:
    missing = [i for i, r in enumerate(records) if name not in r]
    if missing:
        raise ValueError(
            f"{path}: example {missing[0] + 1} has no column {name!r} (columns: {sorted(records[missing[0]])})"
        )
    return [r[name] for r in records]


def classification_data(records, path, args, label2id=None):
    texts = [str(t) for t in _column(records, args.text_column, path)]
    raw = _column(records, args.label_column, path)
    if label2id is None:
        values = sorted(
            {str(v) for v in raw},
            key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v),
        )
        label2id = {v: i for i, v in enumerate(values)}
    unknown = sorted({str(v) for v in raw} - set(label2id))
    if unknown:
        raise ValueError(f"{path}: labels {unknown[:5]} are not among the training labels {sorted(label2id)}")
    return texts, np.asarray([label2id[str(v)] for v in raw], np.int32), label2id


def qa_data(records, path, args):
    """Questions and contexts, and each answer as its first character in the context and its text
    (the preprocessor turns them into token positions: (0, 0) where truncation or a window cut it)."""
    questions = [str(q) for q in _column(records, args.question_column, path)]
    contexts = [str(c) for c in _column(records, args.text_column, path)]
    answers = _column(records, args.answer_column, path)
    starts, texts = np.zeros(len(records), np.int32), []
    for row, (answer, context) in enumerate(zip(answers, contexts)):
        if isinstance(answer, dict):
            text, first = str(answer["text"]), int(answer.get("answer_start", context.find(str(answer["text"]))))
        else:
            text, first = str(answer), context.find(str(answer))
        if first < 0 or context[first : first + len(text)] != text:
            where = f"at character {first} of" if isinstance(answer, dict) and first >= 0 else "in"
            raise ValueError(
                f"{path}: example {row + 1}: the answer {text!r} is not {where} the {args.text_column!r} text"
            )
        starts[row] = first
        texts.append(text)
    x = {"question": np.asarray(questions, object), "context": np.asarray(contexts, object)}
    return x, {"answer_start": starts, "answer_text": np.asarray(texts, object)}


def _prepare_output(output: str, overwrite: bool) -> str:
    backup = os.path.join(output, ".backup")
    if os.path.isdir(output) and os.listdir(output):
        if overwrite:
            shutil.rmtree(output)
        elif not os.path.isdir(backup):
            raise FileExistsError(
                f"{output} already holds files and no training backup to resume from; "
                "pass --overwrite to start afresh or choose another --output"
            )
        else:
            print(f"resuming from {backup}", flush=True)
    os.makedirs(output, exist_ok=True)
    return backup


def run(args: argparse.Namespace) -> int:
    """Runs `tf-longformer train` from parsed arguments."""
    from tf_longformer.default_model import resolve_name
    from tf_longformer.models import registry

    args.checkpoint = resolve_name(args.checkpoint)
    tasks = trainable_tasks(registry)
    if args.task not in tasks:
        raise ValueError(f"--task must be one of {', '.join(tasks)}; got {args.task!r}")
    if args.stride is not None and registry.model_class(args.task).spec.training_data != "question_answer":
        raise ValueError("--stride applies to --task question_answering only")

    for path in (args.data, args.validation_data):
        if path:
            read_records(path)  # bad data fails before TensorFlow loads
    if not os.path.isfile(os.path.join(args.checkpoint, "config.json")):
        raise FileNotFoundError(f"No config.json in {args.checkpoint!r}: give a checkpoint directory")
    import keras

    from tf_longformer.config import LongformerConfig
    from tf_longformer.preprocessing import (
        LongformerQuestionAnsweringPreprocessor,
        LongformerTextClassifierPreprocessor,
    )
    from tf_longformer.tokenization import LongformerTokenizer
    from tf_longformer.tokenization.windows import checked_stride
    from tf_longformer.training.data import preprocessed_dataset
    from tf_longformer.training.optimizers import FusedAdam

    keras.utils.set_random_seed(args.seed)
    tokenizer = LongformerTokenizer.from_pretrained(args.checkpoint)
    config = LongformerConfig.from_pretrained(args.checkpoint)
    model_class = registry.model_class(args.task)
    max_length = min(args.max_length, config.max_sequence_length)
    args.max_length = max_length
    if args.stride is not None:
        try:
            checked_stride(args.stride, max_length)  # before the output folder is touched
        except ValueError as error:
            raise ValueError(f"--stride: {error}") from None
    backup = _prepare_output(args.output, args.overwrite)
    records = read_records(args.data)
    validation = read_records(args.validation_data) if args.validation_data else None

    def dataset(preprocessor, x, y, shuffle):
        # Tokenized in the graph, one example at a time; batches of similar lengths.
        return preprocessed_dataset(
            preprocessor,
            x,
            y,
            batch_size=args.batch_size,
            shuffle_buffer_size=len(records) if shuffle else None,
            seed=args.seed,
        )

    if model_class.spec.training_data == "text_label":
        texts, labels, label2id = classification_data(records, args.data, args)
        id2label = {i: v for v, i in label2id.items()}
        preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=max_length)
        model = model_class.from_pretrained(
            args.checkpoint,
            num_labels=len(label2id),
            id2label=id2label,
            label2id=label2id,
            dtype=args.dtype_policy,
            preprocessor=preprocessor,
            gradient_checkpointing=args.gradient_checkpointing,
        )
        train = dataset(preprocessor, np.asarray(texts, object), labels, True)
        valid = None
        if validation:
            v_texts, v_labels, _ = classification_data(validation, args.validation_data, args, label2id)
            valid = dataset(preprocessor, np.asarray(v_texts, object), v_labels, False)
        metrics = ["accuracy"]
        print(f"{len(texts)} examples, labels: {', '.join(label2id)}", flush=True)
    else:
        model = model_class.from_pretrained(
            args.checkpoint, dtype=args.dtype_policy, gradient_checkpointing=args.gradient_checkpointing
        )
        preprocessor = LongformerQuestionAnsweringPreprocessor(
            tokenizer, sequence_length=max_length, stride=args.stride
        )
        x, answers = qa_data(records, args.data, args)
        train = dataset(preprocessor, x, answers, True)
        valid = None
        if validation:
            valid = dataset(preprocessor, *qa_data(validation, args.validation_data, args), False)
        metrics = None
        reading = "truncated" if args.stride is None else f"read in windows sharing {args.stride} tokens"
        print(
            f"{len(records)} question/context pairs, rows of up to {max_length} tokens, contexts {reading}", flush=True
        )

    # AdamW (Keras' default decoupled weight decay, 0.004) on the fused kernel.
    model.compile(optimizer=FusedAdam(args.learning_rate, weight_decay=0.004), metrics=metrics)

    output = args.output

    class SaveCheckpoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            model.save_pretrained(os.path.join(output, f"checkpoint-epoch-{epoch + 1}"))

    callbacks = [
        keras.callbacks.BackupAndRestore(backup, save_freq=args.save_every_steps or "epoch", delete_checkpoint=True),
        SaveCheckpoint(),
    ]
    with warnings.catch_warnings():
        # The datasets are finite and shuffled by design; Keras warns about both.
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        history = model.fit(
            train,
            validation_data=valid,
            epochs=args.epochs,
            shuffle=False,  # the dataset shuffles
            callbacks=callbacks,
            verbose=2 if args.quiet else 1,
        )
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()} if history.history else {}
    print(json.dumps({"output": output, "epochs": args.epochs, **last}))
    return 0
