"""The `tf-longformer` command: a registry of subcommands (`tf-longformer export ...`).

All command-line code lives in this package, one module per subcommand (`cli/export.py`,
...); the library packages never import it. A subcommand is a name, a one-line help, a
function that adds its arguments to an `argparse` parser and a function that runs it from
the parsed arguments (returning the exit code). Register one with `register(...)` in
`_register_builtin_commands`.

Errors are one line on stderr (`tf-longformer export: error: ...`) with a non-zero exit:
2 for a bad command line, 1 for a failure while running (a missing checkpoint, an export
that cannot be done).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, NamedTuple, Sequence

PROG = "tf-longformer"


class Command(NamedTuple):
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


_COMMANDS: dict[str, Command] = {}


def register(name: str, help: str, add_arguments: Callable, run: Callable) -> None:
    """Adds a subcommand (a name may be registered once)."""
    if name in _COMMANDS:
        raise ValueError(f"Subcommand {name!r} is already registered.")
    _COMMANDS[name] = Command(name, help, add_arguments, run)


def _register_builtin_commands() -> None:
    if _COMMANDS:
        return
    from tf_longformer.cli import bench, convert, export, info, predict, train
    from tf_longformer.demo import command as demo

    subcommands = (
        (demo, "demo", "fine-tune the default model on a long-document task, export it and check the exports"),
        (train, "train", "fine-tune a classification or QA head on JSONL/CSV data (resumable)"),
        (predict, "predict", "run a checkpoint, .keras, SavedModel or .tflite on text; JSON lines out"),
        (
            convert,
            "convert",
            "convert checkpoints: tf_model.h5/.bin/sharded -> safetensors, .keras <-> directory, RoBERTa -> Longformer",
        ),
        (export, "export", "export a checkpoint to SavedModel (TF Serving), TFLite or ONNX"),
        (info, "info", "print a checkpoint's configuration, parameter count and attention windows"),
        (bench, "bench", "run the quick benchmark suite (benchmarks/, in the source repository)"),
    )
    for module, name, summary in subcommands:
        register(name, summary, module.add_arguments, module.run)


class _Parser(argparse.ArgumentParser):
    """Prints errors as one line (and where to find help) instead of usage + error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    _register_builtin_commands()
    parser = _Parser(prog=PROG, description="Longformer for Keras 3 / TensorFlow: command line tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for command in _COMMANDS.values():
        sub = subparsers.add_parser(command.name, help=command.help)
        command.add_arguments(sub)
        sub.set_defaults(_run=command.run, _prog=sub.prog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `tf-longformer` and `python -m tf_longformer`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print(f"{args._prog}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as error:  # ExportError, CheckpointError are ValueErrors
        message = " ".join(str(error).split())  # one line
        print(f"{args._prog}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
