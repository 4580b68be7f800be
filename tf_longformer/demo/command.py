"""The demo's command line, `python -m tf_longformer.demo` (also `tf-longformer demo`): the arguments of `run`."""

from __future__ import annotations

import argparse

from tf_longformer.argument_types import describe, positive_float, positive_int
from tf_longformer.demo import run as demo_run
from tf_longformer.demo.run import run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    describe(parser, demo_run.__doc__)
    parser.add_argument("--model", help="checkpoint directory to fine-tune (default: saved_models/default)")
    parser.add_argument("--output", default=None, help="where exports and the plot go (default: saved_models/demo)")
    parser.add_argument("--train", type=positive_int, default=1024, help="training documents (default 1024)")
    parser.add_argument("--test", type=positive_int, default=128, help="held-out documents (default 128)")
    parser.add_argument("--epochs", type=positive_int, default=5, help="epochs (default 5)")
    parser.add_argument(
        "--layers",
        type=positive_int,
        default=1,
        help="transformer layers taken from the default model (default 1: see `fine_tune`)",
    )
    parser.add_argument(
        "--sentences",
        type=positive_int,
        default=10,
        help="filler sentences a document (~20 tokens each; the facts add ~960 tokens)",
    )
    parser.add_argument(
        "--repeats", type=positive_int, default=80, help="times each fact is stated (who is at the gate; its colour)"
    )
    parser.add_argument("--batch-size", type=positive_int, default=4)
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=2e-4,
        help="peak learning rate, after a warm-up over the first 10%% of steps (default 2e-4)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--smoke", action="store_true", help="a few tiny documents, one epoch: checks the plumbing only"
    )


def main(argv=None) -> int:
    """`python -m tf_longformer.demo`."""
    parser = argparse.ArgumentParser(prog="python -m tf_longformer.demo")
    add_arguments(parser)
    return run(parser.parse_args(argv))
