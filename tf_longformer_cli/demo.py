"""`tf-longformer demo` (also `python -m tf_longformer.demo`): the arguments of `tf_longformer.demo.run.run`."""

from __future__ import annotations

import argparse
from typing import Sequence

from tf_longformer_cli.arguments import describe, positive_float, positive_int

DESCRIPTION = """The demo: a long-document task that a 512-token model cannot solve, trained, exported and checked.

    tf-longformer demo            # or: python -m tf_longformer.demo   (a few minutes on 2 CPU cores)

1. Generates documents of ~1,100-1,200 tokens: the opening says who
   is at the gate ("the guard is at the gate ."), only the closing part, after ~600 tokens, what
   colour the gate is ("the gate is red ."). The label is the pair ("guard at the red gate", one
   of four): the opening alone (all a 512-token prefix holds) or the closing part alone leaves
   two of the four, so either is right half the time.
2. Fine-tunes the first layer (--layers) of the default model that ships with the package as a
   4-way `LongformerForSequenceClassification` on the whole documents (1,024 of them, 5 epochs),
   with global attention on `<s>` (the Longformer paper's recipe for classification), using
   Keras `fit`.
3. Fine-tunes the same model, the same way, on the first 512 tokens of each document only.
4. Compares both on held-out documents, exports the long model to a SavedModel (TF Serving
   layout) and to TFLite, and checks that both exports predict what the Keras model predicts.
5. Prints a summary table and writes the training curves to `<output>/training_curves.png`.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    describe(parser, DESCRIPTION)
    parser.add_argument("--model", help="checkpoint directory to fine-tune (default: saved_models/default)")
    parser.add_argument("--output", default=None, help="where exports and the plot go (default: saved_models/demo)")
    parser.add_argument("--train", type=positive_int, default=1024, help="training documents (default 1024)")
    parser.add_argument("--test", type=positive_int, default=128, help="held-out documents (default 128)")
    parser.add_argument("--epochs", type=positive_int, default=5, help="epochs (default 5)")
    parser.add_argument(
        "--layers",
        type=positive_int,
        default=1,
        help="transformer layers taken from the default model (default 1: its first layer alone learns the task)",
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


def run(args: argparse.Namespace) -> int:
    from tf_longformer.demo.run import run as run_demo

    return run_demo(args)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tf_longformer.demo`: the same as `tf-longformer demo`."""
    from tf_longformer_cli import add_verbose_argument, run_command

    parser = argparse.ArgumentParser(prog="python -m tf_longformer.demo")
    add_arguments(parser)
    add_verbose_argument(parser)
    return run_command(run, parser.parse_args(argv), parser.prog)
