"""`tf-longformer convert`: a checkpoint from one format into another.

Our native format is the reference's: a directory with `config.json` + `model.safetensors`.
`convert` turns the other forms into it and back:

- a reference checkpoint with `tf_model.h5` (the removed TF classes), `pytorch_model.bin`
  (needs torch) or sharded weights -> `model.safetensors` (every weight checked against the model);
- a checkpoint directory -> a `.keras` file, and a `.keras` file -> a checkpoint directory;
- a RoBERTa checkpoint -> a Longformer one (`--roberta-to-longformer`, the paper's recipe);
- a Longformer checkpoint -> a longer one (`--max-positions N`: the learned positions repeated).
Tokenizer files beside the weights are copied along.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

from tf_longformer_cli.arguments import call_with_arguments, describe, positive_int
from tf_longformer_cli.export import model_class

TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")

EPILOG = """examples:
  tf-longformer convert ./legacy-tf-checkpoint ./converted          # tf_model.h5 -> model.safetensors
  tf-longformer convert ./my-model model.keras                      # checkpoint directory -> .keras
  tf-longformer convert model.keras ./my-model                      # .keras -> checkpoint directory
  tf-longformer convert ./roberta-base ./longformer-base --roberta-to-longformer --max-length 4096
  tf-longformer convert ./longformer-base ./longformer-base-16k --max-positions 16384"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    describe(parser, __doc__.split("\n\n", 1)[1], EPILOG)
    parser.add_argument("source", help="checkpoint directory (any weights format) or .keras file")
    parser.add_argument("output", help="checkpoint directory to write, or a .keras file")
    parser.add_argument(
        "--task",
        default="auto",
        help="model class to load: auto (config.json's architectures) or a task: base, sequence_classification, ...",
    )
    parser.add_argument(
        "--roberta-to-longformer",
        action="store_true",
        help="source is a RoBERTa checkpoint: lengthen it into a Longformer",
    )
    parser.add_argument(
        "--max-length",
        type=positive_int,
        default=4096,
        help="--roberta-to-longformer: longest input in tokens (default 4096)",
    )
    parser.add_argument(
        "--attention-window",
        type=positive_int,
        default=512,
        help="--roberta-to-longformer: attention window, even (default 512)",
    )
    parser.add_argument(
        "--max-positions",
        type=positive_int,
        help="lengthen a Longformer checkpoint to read this many tokens (its position table repeated)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def _check_output(output: str, overwrite: bool) -> None:
    if os.path.exists(output) and not overwrite and (os.path.isfile(output) or os.listdir(output)):
        raise FileExistsError(f"{output} already exists; pass --overwrite to replace it.")


def _copy_tokenizer(source_dir: str, output_dir: str) -> list[str]:
    copied = []
    for name in TOKENIZER_FILES:
        path = os.path.join(source_dir, name)
        if os.path.isfile(path):
            shutil.copyfile(path, os.path.join(output_dir, name))
            copied.append(name)
    return copied


def convert(
    source: str,
    output: str,
    *,
    task: str = "auto",
    roberta_to_longformer: bool = False,
    max_length: int = 4096,
    attention_window: int = 512,
    max_positions: int | None = None,
    overwrite: bool = False,
) -> str:
    """Converts `source` into `output` (see the module docstring); returns a one-line description."""
    import keras

    from tf_longformer.checkpoints import files
    from tf_longformer.checkpoints.roberta import convert_roberta_to_longformer
    from tf_longformer.default_model import resolve_name

    source = resolve_name(source)
    if not os.path.exists(source):
        raise FileNotFoundError(f"No such checkpoint: {source!r}")
    if os.path.abspath(source) == os.path.abspath(output):
        raise ValueError("source and output are the same path")
    _check_output(output, overwrite)
    if max_positions is not None:
        return _lengthen(source, output, max_positions, roberta_to_longformer)
    if roberta_to_longformer:
        if not os.path.isdir(source):
            raise ValueError("--roberta-to-longformer takes a RoBERTa checkpoint directory")
        if os.path.exists(output):
            shutil.rmtree(output)
        config = convert_roberta_to_longformer(
            source, output, max_position_embeddings=max_length, attention_window=attention_window
        )
        _copy_tokenizer(source, output)
        return (
            f"{output}: Longformer from RoBERTa, {config.num_hidden_layers} layers, window {attention_window}, "
            f"{config.max_sequence_length} tokens"
        )
    if os.path.isfile(source):
        if not source.endswith(".keras"):
            raise ValueError(
                f"{source!r} is a file but not a .keras file; give a checkpoint directory or a .keras file"
            )
        if output.endswith(".keras"):
            raise ValueError("both source and output are .keras files; nothing to convert")
        model = keras.saving.load_model(source)
        if os.path.exists(output):
            shutil.rmtree(output)
        model.save_pretrained(output)
        return f"{output}: {type(model).__name__} checkpoint (config.json + model.safetensors)"
    config_path = os.path.join(source, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"No config.json in {source!r}: not a checkpoint directory")
    with open(config_path, encoding="utf-8") as f:
        if "roberta" in str(json.load(f).get("model_type", "")):
            raise ValueError(f"{source!r} is a RoBERTa checkpoint: pass --roberta-to-longformer")
    cls = model_class(source, task)
    weights = files.find_weights_file(source)
    model = cls.from_pretrained(source)
    if output.endswith(".keras"):
        if os.path.exists(output):
            os.remove(output)
        model.save(output)
        return f"{output}: {cls.__name__} from {os.path.basename(weights)} (Keras format)"
    if os.path.exists(output):
        shutil.rmtree(output)
    model.save_pretrained(output)
    copied = _copy_tokenizer(source, output)
    extra = f" + tokenizer ({len(copied)} files)" if copied else ""
    return f"{output}: {cls.__name__} from {os.path.basename(weights)} -> model.safetensors{extra}"


def _lengthen(source: str, output: str, max_positions: int, roberta_to_longformer: bool) -> str:
    from tf_longformer.checkpoints.lengthen import extend_positions
    from tf_longformer.tokenization.tokenizer import LongformerTokenizer

    if roberta_to_longformer:
        raise ValueError("--max-positions lengthens a Longformer; for a RoBERTa use --max-length")
    if not os.path.isdir(source):
        raise ValueError("--max-positions takes a Longformer checkpoint directory")
    config = extend_positions(source, output, max_positions)  # refuses to shorten before writing
    if _copy_tokenizer(source, output):
        tokenizer = LongformerTokenizer.from_pretrained(output)
        tokenizer.model_max_length = config.max_sequence_length
        tokenizer.save_pretrained(output)
    return f"{output}: {config.num_hidden_layers} layers, now {config.max_sequence_length} tokens"


def run(args: argparse.Namespace) -> int:
    print(call_with_arguments(convert, args))
    return 0
