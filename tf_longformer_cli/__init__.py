"""The `tf-longformer` command: a registry of subcommands (`tf-longformer export ...`).

All command-line code lives in this package, one module per subcommand (`export.py`, ...).
It sits beside `tf_longformer`, not inside it, so that `--help` and bad command lines are
answered without importing TensorFlow: a subcommand imports the library when it runs.
A subcommand is a name, a one-line help, a function that adds its arguments to an
`argparse` parser and a function that runs it from the parsed arguments (returning the
exit code). Register one with `register(...)` in
`_register_builtin_commands`.

Errors are one line on stderr (`tf-longformer export: error: ...`) with a non-zero exit:
2 for a bad command line, 1 for a failure while running (a missing checkpoint, an export
that cannot be done). TensorFlow's native log stays off the terminal unless `--verbose`
(see `native_log`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Callable, NamedTuple, Sequence

from tf_longformer_cli.native_log import quiet_native_log

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
    from tf_longformer_cli import bench, convert, demo, export, info, predict, train

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
    add_verbose_argument(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for command in _COMMANDS.values():
        sub = subparsers.add_parser(command.name, help=command.help)
        command.add_arguments(sub)
        add_verbose_argument(sub, default=argparse.SUPPRESS)  # before or after COMMAND
        sub.set_defaults(_run=command.run, _prog=sub.prog)
    return parser


def add_verbose_argument(parser: argparse.ArgumentParser, default=False) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=default,
        help="show TensorFlow's own log lines (start-up notices, converter progress)",
    )


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    """`run(args)` with TensorFlow's native log kept quiet; user errors become one line on stderr."""
    with quiet_native_log(args.verbose), warnings.catch_warnings():
        warnings.showwarning = _one_line_warning(prog)
        try:
            return int(run(args) or 0)
        except KeyboardInterrupt:
            print(f"{prog}: interrupted", file=sys.stderr)
            return 130
        except (ValueError, OSError) as error:  # ExportError, CheckpointError are ValueErrors
            message = " ".join(str(error).split())  # one line
            print(f"{prog}: error: {message}", file=sys.stderr)
            return 1


def _one_line_warning(prog: str) -> Callable[..., None]:
    """Warnings as `prog: warning: message` (one line, no source line), like the errors."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"{prog}: warning: {' '.join(str(message).split())}", file=file or sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `tf-longformer` and `python -m tf_longformer`; returns the exit code."""
    args = build_parser().parse_args(argv)
    return run_command(args._run, args, args._prog)


if __name__ == "__main__":
    sys.exit(main())
