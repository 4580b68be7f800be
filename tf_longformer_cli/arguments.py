"""`argparse` helpers shared by the command lines (`tf-longformer`'s subcommands, the demo's):
argument types (errors as one line, exit 2), the help text's layout, and calling a command's
function with its arguments."""

from __future__ import annotations

import argparse
import inspect
from typing import Any, Callable


def call_with_arguments(function: Callable[..., Any], args: argparse.Namespace) -> Any:
    """`function(...)` with each of its parameters taken from the parsed argument of that name.

    A subcommand's options are declared with the `dest` of the parameter they set, so the
    command line and the function it runs name each option once.
    """
    parameters = inspect.signature(function).parameters
    return function(**{name: getattr(args, name) for name in parameters})


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def describe(parser: argparse.ArgumentParser, description: str, epilog: str | None = None) -> None:
    """Sets a subcommand's help text, printed as written (its line breaks and examples kept)."""
    parser.description = description
    parser.epilog = epilog
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
